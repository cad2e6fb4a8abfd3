"""The project's security manager: its user model, login and views (FAB_NOTES 7–10)."""
from flask import abort, current_app, g, has_request_context, request
from flask_appbuilder.baseviews import expose
from flask_login import current_user
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from flask_appbuilder.security.views import RoleModelView, UserGroupModelView, ViewMenuModelView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import csrf, db
from app.models import AppUser, GrantsVersion, LoginChannel, Org, SessionEndReason, UserSession
from app.models.grants_version import ROW_ID
from app.security.roles import role_label
from app.services import audit, login, notifications, passwords, sessions
from app.views.account import StaffUserAdminView
from app.views.auth import LoginApi, LoginView
from app.views.password import RedirectingResetMyPasswordView


GRANTS_VERSION_KEY = "zp_grants_version"
GRANTS_VERSION = select(GrantsVersion.version).where(GrantsVersion.id == ROW_ID).scalar_subquery()
MAX_KEPT_GRANTS = 256  # sets of roles kept per process; a province has a handful


def _view_menu_name(name: str) -> str:
    """A permission target shown by its translated label, with the identifier the code uses."""
    label = _(name)
    return f"{label}（{name}）" if label != name else name


class NoFileDownload:
    """FAB's generic /download/<filename> serves any file named so in UPLOAD_FOLDER (and answered a name without
    FAB's "_sep_" with a 500): the security views have no file column, so the route answers 404 (FAB_NOTES 5)."""

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename):
        abort(404)


class NamedViewMenuModelView(NoFileDownload, ViewMenuModelView):
    """FAB's views/menus list, with each identifier's Chinese label beside it."""

    formatters_columns = {"name": _view_menu_name}


SECURITY_LABELS = {
    "name": _l("Name"),
    "label": _l("Label"),
    "description": _l("Description"),
    "users": _l("Users"),
    "user": _l("Users"),
    "roles": _l("Roles"),
    "groups": _l("Groups"),
    "permissions": _l("Permissions"),
}


class AuditedAdminMixin:
    """Every add, edit and delete on one of FAB's own admin screens goes to the operation log."""

    def _audit(self, action: str, item) -> None:
        audit.record(action, item, g.user, detail=str(item)[:200])
        self.datamodel.session.commit()

    def post_add(self, item):
        super().post_add(item)
        self._audit("add", item)

    def post_update(self, item):
        super().post_update(item)
        self._audit("edit", item)

    def pre_delete(self, item):
        # Recorded before the row goes; FAB's delete commits the log row with the deletion.
        super().pre_delete(item)
        audit.record("delete", item, g.user, detail=str(item)[:200])


class LabeledRoleModelView(AuditedAdminMixin, NoFileDownload, RoleModelView):
    """FAB's role list with labelled columns and each role's Chinese name."""

    label_columns = SECURITY_LABELS
    formatters_columns = {"name": lambda name: f"{role_label(name)}（{name}）" if role_label(name) != name else name}


class LabeledGroupModelView(AuditedAdminMixin, NoFileDownload, UserGroupModelView):
    """FAB's group list with labelled columns."""

    label_columns = SECURITY_LABELS


class ZhipingSecurityManager(SecurityManager):
    """FAB's security manager with the platform's user model, login and user views."""

    user_model = AppUser
    authdbview = LoginView
    security_api = LoginApi
    resetmypasswordview = RedirectingResetMyPasswordView
    userdbmodelview = StaffUserAdminView
    viewmenumodelview = NamedViewMenuModelView
    rolemodelview = LabeledRoleModelView
    groupmodelview = LabeledGroupModelView
    # FAB's statistics chart loads Google Charts from the internet (FAB_NOTES 17).
    userstatschartview = None

    def register_views(self):
        super().register_views()
        # The JSON login carries no cookie-based credentials and needs a JSON body, which a cross-site
        # form cannot send; it cannot carry a CSRF token either. Every form keeps CSRF protection.
        for view in self.appbuilder.baseviews:
            if isinstance(view, LoginApi):
                csrf.exempt(view.blueprint)

    def authenticate(self, username: str, password: str, channel: LoginChannel) -> login.LoginResult:
        """One sign-in attempt through the login service (lockout, login log)."""
        result = login.authenticate(
            username, password, channel=channel, ip=request.remote_addr, user_agent=request.user_agent.string
        )
        g.login_result = result  # read by LoginApi for its refusal message
        return result

    def has_access(self, permission_name: str, view_name: str) -> bool:
        """A signed-in user's answer comes from their grants, worked out once per request: a page asks about every
        menu entry and button (thirty-odd questions), and FAB's own path through the user's roles costs more than
        the page's queries. API keys, tokens and anonymous visitors keep FAB's rules."""
        grants = self.signed_in_grants()
        if grants is None:
            return super().has_access(permission_name, view_name)
        return (permission_name, view_name) in grants

    def signed_in_grants(self) -> frozenset[tuple[str, str]] | None:
        """The (permission, view) pairs of the signed-in user's roles, or None when FAB's rules must answer."""
        if not has_request_context() or self.builtin_roles or getattr(g, "_api_key_user", False):
            return None
        user = current_user._get_current_object()
        cached = g.get("_user_grants")
        if cached is not None and cached[0] is user:
            return cached[1]
        if not user.is_authenticated:
            return None
        if not user.is_active:
            return frozenset()
        role_ids = tuple(sorted({role.id for role in self.get_user_roles(user)}))
        g._user_grants = (user, self._grants_of_roles(role_ids) if role_ids else frozenset())
        return g._user_grants[1]

    def exist_permission_on_roles(self, view_name: str, permission_name: str, role_ids) -> bool:
        """FAB asks once per menu entry and button; answer from the roles' kept grants."""
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        return (permission_name, view_name) in self._grants_of_roles(tuple(sorted(role_ids)))

    def _grants_of_roles(self, role_ids: tuple[int, ...]) -> frozenset[tuple[str, str]]:
        """Every (permission, view) pair granted to any of the roles: kept per process while the grants counter
        read with the user this request (g) is the one they were read under, else read again."""
        in_request = has_request_context()
        if in_request:
            asked = g.setdefault("_role_grants", {})  # this request's answers, with or without the counter
            if role_ids in asked:
                return asked[role_ids]
        version = g.get(GRANTS_VERSION_KEY) if in_request else None
        kept = current_app.extensions.setdefault("zp_grants", {})
        hit = kept.get(role_ids)
        if version is not None and hit is not None and hit[0] == version:
            if in_request:
                asked[role_ids] = hit[1]
            return hit[1]
        query = (select(self.permission_model.name, self.viewmenu_model.name)
                 .select_from(self.permissionview_model)
                 .join(assoc_permissionview_role,
                       assoc_permissionview_role.c.permission_view_id == self.permissionview_model.id)
                 .join(self.permission_model).join(self.viewmenu_model)
                 .where(assoc_permissionview_role.c.role_id.in_(role_ids)))
        grants = frozenset(tuple(row) for row in self.session.execute(query))
        if version is not None:
            if len(kept) >= MAX_KEPT_GRANTS:
                kept.clear()
            kept[role_ids] = (version, grants)
        if in_request:
            asked[role_ids] = grants
        return grants

    def load_user(self, pk):
        """The user a session cookie names, only while its server-side session row is live (app/services/sessions).

        Every request reads, in one statement: the user with their roles (the grants), groups and orgs (the scope),
        the cookie's session row, their unread messages (the navbar's badge) and the grants counter."""
        from app.session_policy import ENDED_KEY

        try:
            user_id = int(pk)
        except (TypeError, ValueError):
            return None
        in_request = has_request_context()
        digest = sessions.cookie_digest() if in_request else None
        if in_request and digest is None:
            g.setdefault(ENDED_KEY, "invalid")
            return None
        query = (select(AppUser).where(AppUser.id == user_id)
                 .options(joinedload(AppUser.roles), joinedload(AppUser.groups),
                          joinedload(AppUser.orgs).lazyload(Org.parent)))
        if in_request:
            query = (query.add_columns(*sessions.COLUMNS, notifications.unread_of(AppUser.id), GRANTS_VERSION)
                     .outerjoin(UserSession, UserSession.sid_hash == digest))
        row = db.session.execute(query).unique().first()
        if row is None:
            return None
        if in_request:
            # The row's id, user_id, … are the session's (the user is the row's first item, whole).
            result = sessions.judge(row if row.id is not None else None, user_id)
            if not result.live:
                g.setdefault(ENDED_KEY, result.reason or "invalid")
                return None
            setattr(g, GRANTS_VERSION_KEY, row[-1])
            notifications.note_unread(user_id, row[-2])
        user = row[0]
        return user if user.is_active else None

    def load_user_jwt(self, _jwt_header, jwt_data):
        """A bearer token (the JSON login's JWT) carries no session cookie: only the account must be active."""
        user = super().load_user(jwt_data["sub"])
        if user is not None:
            g.user = user
        return user

    def auth_user_db(self, username, password):
        """FAB's entry point for every password login (web form and JSON API) goes through the service."""
        channel = LoginChannel.api if request.path.startswith("/api/") else LoginChannel.web
        return self.authenticate(username, password, channel).user

    def on_user_logout(self, user):
        """Signing out goes to the operation log."""
        super().on_user_logout(user)
        audit.record("logout", user, user)
        db.session.commit()

    def reset_password(self, userid, password):
        """An administrator's reset (FAB's reset-password form): the user chooses their own at next login."""
        user = self.get_user_by_id(userid)
        passwords.before_change(user)
        user.password = passwords.hash_password(password)
        user.must_change_password = True
        passwords.remember(user)  # a password set by an administrator counts in the history too
        sessions.end_all(user, SessionEndReason.password, g.user)
        audit.record("password_reset_by_admin", user, g.user)
        self.update_user(user)
