"""Make the roles and permissions in the database match app.security.roles."""
from __future__ import annotations

from flask_appbuilder import AppBuilder

from app.security.roles import ADMIN, ROLES


def sync_roles(appbuilder: AppBuilder) -> dict[str, tuple[int, int]]:
    """Create every view's permissions, then give each role exactly its declared grants.

    Returns {role: (added, removed)}. Admin receives every permission the application registers.
    """
    sm = appbuilder.sm
    # Roles first: FAB hands every new permission to the Admin role as it creates it.
    for name in (*ROLES, sm.auth_role_public):
        if sm.find_role(name) is None:
            sm.add_role(name)
    appbuilder.add_permissions(update_perms=True)
    every_pv = sm.session.query(sm.permissionview_model).all()
    by_pair = {(pv.permission.name, pv.view_menu.name): pv for pv in every_pv}
    report: dict[str, tuple[int, int]] = {}
    for name, spec in ROLES.items():
        role = sm.find_role(name)
        if name == ADMIN:
            wanted = set(every_pv)
        else:
            missing = spec.permission_pairs() - by_pair.keys()
            if missing:
                raise RuntimeError(f"Role {name} is granted permissions no view defines: {sorted(missing)}")
            wanted = {by_pair[pair] for pair in spec.permission_pairs()}
        current = set(role.permissions)
        added, removed = wanted - current, current - wanted
        if added or removed:
            role.permissions = sorted(wanted, key=lambda pv: pv.id)
        report[name] = (len(added), len(removed))
    sm.session.commit()
    return report
