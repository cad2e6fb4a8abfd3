"""How users resolve to scopes, and the per-model clauses built from them."""
from sqlalchemy import select

import factories as f
from app.extensions import db
from app.models import Org
from app.scope import clause_for, resolve_scope


def _visible(scope):
    return set(db.session.scalars(select(Org.name).where(clause_for(Org, scope))))


def test_each_role_reaches_its_orgs(app):
    with app.app_context():
        assert resolve_scope(f.user("demo_admin")).everything
        assert _visible(resolve_scope(f.user("demo_unit"))) == {f.UNIT_A}
        assert _visible(resolve_scope(f.user("demo_supervisor"))) == {f.SUPERVISOR_1, f.UNIT_A, f.UNIT_B}
        assert len(_visible(resolve_scope(f.user("demo_authority")))) == 9
        assert _visible(resolve_scope(f.user("demo_committee"))) == {f.COMMITTEE}
        assert _visible(resolve_scope(f.user("demo_applicant"))) == set()


def test_an_inactive_user_reaches_nothing(app):
    with app.app_context():
        user = f.user("demo_supervisor")
        user.active = False
        assert _visible(resolve_scope(user)) == set()


def test_a_role_reaches_only_orgs_of_its_kind(app):
    """A unit reviewer wrongly attached to a supervisor does not gain the supervisor's subtree."""
    with app.app_context():
        user = f.user("demo_unit")
        user.orgs.append(f.org(f.SUPERVISOR_2))
        assert _visible(resolve_scope(user)) == {f.UNIT_A}
