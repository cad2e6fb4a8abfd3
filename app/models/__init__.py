"""All models, imported so that Model.metadata knows every table."""
from app.models.account import (
    APPEAL_STATUS_LABELS, COUNTRY_LABELS, GENDER_LABELS, LOGIN_CHANNEL_LABELS, LOGIN_OUTCOME_LABELS,
    AppealStatus, AppUser, CaptchaChallenge, Country, Gender, LoginChannel, LoginLog, LoginOutcome,
    PasswordAppeal, SecurityAnswer, user_org,
)
from app.models.application import (
    APP_STATE_LABELS, BUSINESS_TYPE_LABELS, FINAL_STATES, Application, ApplicationEvent, ApplicationHandled,
    ApplicationMaterial, ApplicationSnapshot, AppState, BusinessType, application_achievement, application_publication,
)
from app.models.archived_document import ArchivedDocument
from app.models.attachment import Attachment
from app.models.audit import OperationLog
from app.models.change_log import ChangeLog
from app.models.user_session import SESSION_END_LABELS, PasswordHistory, SessionEndReason, UserSession
from app.models.message import (
    MAIL_STATUS_LABELS, MESSAGE_KIND_LABELS, MailStatus, Message, MessageKind, OutboundMail,
)
from app.models.objection import OBJECTION_STATUS_LABELS, Objection, ObjectionStatus
from app.models.stats_snapshot import StatsSnapshot
from app.models.grants_version import GrantsVersion
from app.models.review_meeting import (
    VOTE_CHOICE_LABELS, MeetingRecusal, MeetingVote, ReviewBatch, VoteChoice, batch_attendee,
)
from app.models.ce import (
    BINDING_STATUS_LABELS, CE_RECORD_STATUS_LABELS, BindingStatus, CeCertificate, CePolicy, CeRecord, CeRecordEvent, CeRecordStatus,
    CeSource, CeYearTotal, UnitBinding,
)
from app.models.training import (
    CLASS_STATUS_LABELS, ENROLMENT_STATUS_LABELS, LEARNING_FORMS, ClassStatus, Enrolment,
    EnrolmentStatus, TrainingClass, TrainingClassSubject,
)
from app.models.credit import CREDIT_SUBJECT_LABELS, CreditRecord, CreditSubjectType
from app.models.certificate import CERTIFICATE_STATUS_LABELS, Certificate, CertificateCounter, CertificateStatus
from app.models.profile import (
    ACHIEVEMENT_CATEGORY_LABELS, ASSESSMENT_LABELS, EMPLOYER_NATURE_LABELS, PUBLICATION_KIND_LABELS,
    RECORD_STATUS_LABELS, UNDER_REVIEW, Achievement, AchievementCategory, AssessmentResult, BasicInfo,
    Education, EmployerNature, ExamScore, Honour, Position, Publication, PublicationKind, RecordStatus,
    Training, WorkExperience,
)
from app.models.profile_review import (
    REVIEW_ACTION_LABELS, REVIEW_STAGE_LABELS, ProfileReview, ProfileReviewEvent, ReviewAction, ReviewStage,
)
from app.models.dictionary import DictItem, DictType
from app.models.portal import (
    ARTICLE_CATEGORY_LABELS, GUIDANCE_SLUGS, PORTAL_CATEGORIES, Article, ArticleCategory, ArticleFile,
)
from app.models.document_template import DocumentTemplateChoice, DocumentTemplateVersion
from app.models.org import (
    ORG_KIND_LABELS, ORG_STATUS_LABELS, REGISTRATION_STATUS_LABELS, Org, OrgKind, OrgStatus, RegistrationStatus,
    UnitRegistration,
)

from app.models import soft_delete  # noqa: E402,F401 - registers the global soft-delete filter

__all__ = [
    "ApplicationSnapshot",
    "SESSION_END_LABELS",
    "PasswordHistory",
    "SessionEndReason",
    "UserSession",
    "MAIL_STATUS_LABELS",
    "MESSAGE_KIND_LABELS",
    "MailStatus",
    "Message",
    "MessageKind",
    "OutboundMail",
    "ARTICLE_CATEGORY_LABELS",
    "GUIDANCE_SLUGS",
    "PORTAL_CATEGORIES",
    "Article",
    "ArticleCategory",
    "ArticleFile",
    "REGISTRATION_STATUS_LABELS",
    "RegistrationStatus",
    "UnitRegistration",
    "CLASS_STATUS_LABELS",
    "ENROLMENT_STATUS_LABELS",
    "LEARNING_FORMS",
    "ClassStatus",
    "Enrolment",
    "EnrolmentStatus",
    "TrainingClass",
    "TrainingClassSubject",
    "BINDING_STATUS_LABELS",
    "BindingStatus",
    "CeCertificate",
    "CeRecordEvent",
    "CeYearTotal",
    "UnitBinding",
    "CE_RECORD_STATUS_LABELS",
    "CePolicy",
    "CeRecord",
    "CeRecordStatus",
    "CeSource",
    "CREDIT_SUBJECT_LABELS",
    "CreditRecord",
    "CreditSubjectType",
    "ArchivedDocument",
    "DocumentTemplateChoice",
    "DocumentTemplateVersion",
    "OBJECTION_STATUS_LABELS",
    "Objection",
    "ObjectionStatus",
    "MeetingRecusal",
    "VOTE_CHOICE_LABELS",
    "MeetingVote",
    "ReviewBatch",
    "StatsSnapshot",
    "GrantsVersion",
    "VoteChoice",
    "batch_attendee",
    "CERTIFICATE_STATUS_LABELS",
    "Certificate",
    "CertificateCounter",
    "CertificateStatus",
    "APP_STATE_LABELS",
    "BUSINESS_TYPE_LABELS",
    "FINAL_STATES",
    "Application",
    "ApplicationEvent",
    "ApplicationHandled",
    "ApplicationMaterial",
    "AppState",
    "BusinessType",
    "application_achievement",
    "application_publication",
    "ACHIEVEMENT_CATEGORY_LABELS",
    "ASSESSMENT_LABELS",
    "EMPLOYER_NATURE_LABELS",
    "PUBLICATION_KIND_LABELS",
    "RECORD_STATUS_LABELS",
    "UNDER_REVIEW",
    "Achievement",
    "AchievementCategory",
    "AssessmentResult",
    "BasicInfo",
    "Education",
    "EmployerNature",
    "ExamScore",
    "Honour",
    "Position",
    "Publication",
    "PublicationKind",
    "RecordStatus",
    "Training",
    "WorkExperience",
    "REVIEW_ACTION_LABELS",
    "REVIEW_STAGE_LABELS",
    "ProfileReview",
    "ProfileReviewEvent",
    "ReviewAction",
    "ReviewStage",
    "Attachment",
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
    "ChangeLog",
    "Org",
    "OrgKind",
    "OrgStatus",
    "user_org",
]
