"""All models, imported so that Model.metadata knows every table."""
from app.models.account import AppUser, user_org
from app.models.audit import OperationLog
from app.models.dictionary import DictItem, DictType
from app.models.org import ORG_KIND_LABELS, ORG_STATUS_LABELS, Org, OrgKind, OrgStatus

__all__ = [
    "AppUser",
    "DictItem",
    "DictType",
    "ORG_KIND_LABELS",
    "ORG_STATUS_LABELS",
    "OperationLog",
    "Org",
    "OrgKind",
    "OrgStatus",
    "user_org",
]
