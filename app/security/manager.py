"""The project's security manager: its user model and views (FAB_NOTES 7–10)."""
from flask_appbuilder.security.sqla.manager import SecurityManager

from app.models import AppUser
from app.views.account import StaffUserAdminView


class ZhipingSecurityManager(SecurityManager):
    """FAB's security manager with the platform's user model and user views."""

    user_model = AppUser
    userdbmodelview = StaffUserAdminView
    # FAB's statistics chart loads Google Charts from the internet (FAB_NOTES 17).
    userstatschartview = None
