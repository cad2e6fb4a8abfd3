"""Accounts: FAB's user extended with the organisations a staff user belongs to."""
from __future__ import annotations

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, ForeignKey, Integer, Table
from sqlalchemy.orm import relationship

user_org = Table(
    "user_org",
    Model.metadata,
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("org.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class AppUser(User):
    """A platform user; staff users belong to one or more organisations."""

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}

    orgs = relationship("Org", secondary=user_org, lazy="selectin", order_by="Org.name")

    def __str__(self) -> str:
        return f"{self.last_name}{self.first_name}（{self.username}）"
