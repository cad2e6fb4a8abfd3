"""All models, imported so that Model.metadata knows every table."""
from app.models.account import (
    APPEAL_STATUS_LABELS, COUNTRY_LABELS, GENDER_LABELS, LOGIN_CHANNEL_LABELS, LOGIN_OUTCOME_LABELS,
    AppealStatus, AppUser, CaptchaChallenge, Country, Gender, LoginChannel, LoginLog, LoginOutcome,
    PasswordAppeal, SecurityAnswer, user_org,
)
from app.models.audit import OperationLog
from app.models.dictionary import DictItem, DictType
from app.models.org import ORG_KIND_LABELS, ORG_STATUS_LABELS, Org, OrgKind, OrgStatus

__all__ = [
    "APPEAL_STATUS_LABELS",
    "AppealStatus",
    "COUNTRY_LABELS",
    "CaptchaChallenge",
    "Country",
    "GENDER_LABELS",
    "Gender",
    "LOGIN_CHANNEL_LABELS",
    "LOGIN_OUTCOME_LABELS",
    "LoginChannel",
    "LoginLog",
    "LoginOutcome",
    "PasswordAppeal",
    "SecurityAnswer",
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
