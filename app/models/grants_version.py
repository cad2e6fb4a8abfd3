"""A counter the database moves on every change to what roles are granted, so app processes can keep the grants.

Each process keeps the (permission, view) pairs of each set of roles with the counter's value when it read them
(app/security/manager.py) and reads the counter with the user on every request; triggers on FAB's permission
tables move it, whoever changes them: the role screens, `flask fab` commands, a migration or plain SQL.
"""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

# Every table whose rows decide which (permission, view) pairs a role has.
GRANT_TABLES = ("ab_permission_view_role", "ab_permission_view", "ab_permission", "ab_view_menu")
ROW_ID = 1


class GrantsVersion(Model):
    """The one row of the counter."""

    __tablename__ = "grants_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
