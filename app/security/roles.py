"""Roles as data: every role, its Chinese name, and exactly the permissions and menus it holds.

`flask --app run security sync` makes the database match this module; nothing else grants permissions.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

ADMIN = "Admin"
AUTHORITY = "Authority"
SUPERVISOR_REVIEWER = "SupervisorReviewer"
UNIT_REVIEWER = "UnitReviewer"
COMMITTEE_OFFICE = "CommitteeOffice"
EXPERT = "Expert"
PROVIDER = "Provider"
APPLICANT = "Applicant"

READ = ("can_list", "can_show")
EXPORT = "can_export"  # 导出Excel of a list (the view's `export` method)
WRITE = ("can_add", "can_edit", "can_delete")

# Stable permission names of the project's views (class_permission_name), so renames keep grants.
ORG_ADMIN = "Org"
MY_ORG = "MyOrg"
ORG_STAFF = "OrgStaff"
DICT_TYPE = "DictType"
DICT_ITEM = "DictItem"
OPERATION_LOG = "OperationLog"
CHANGE_LOG = "ChangeLog"  # 变更记录: field-level history (admin; the authority within its reach)
PROFILE = "Profile"
PROFILE_RECORD = "ProfileRecord"
PROFILE_FILE = "ProfileFile"
PROFILE_REVIEW = "ProfileReview"
PROFILE_API = "ProfileApi"
MY_CERTIFICATE = "MyCertificate"
CERTIFICATE = "Certificate"                # 证书查询: certificates issued within the staff member's scope
CE_POLICY = "CePolicy"                     # 继续教育学时要求: the administrator's configuration
MY_CE_CERTIFICATE = "MyCeCertificate"      # 继续教育证书打印 (can_list, can_print)
CE_COMPLIANCE = "CeCompliance"             # 继续教育年度认证情况 of the staff member's scope
CE_RECORD = "CeRecord"                     # 继续教育记录申报: the person's own claims (can_read, can_write)
CE_REVIEW = "CeReview"                     # 继续教育学时审核: can_list, can_show; can_decide for the unit
CREDIT_RECORD = "CreditRecord"             # 信用管理: the authority's 失信记录
MY_CREDIT_RECORD = "MyCreditRecord"        # 失信信息查看: the records about oneself
APPLICATION_API = "ApplicationApi"
APPLICATION = "Application"                # the applicant's business screens (can_read, can_write)
APPLICATION_REVIEW = "ApplicationReview"   # reviewers' inboxes and actions (can_list, can_show, can_act)
REVIEW_BATCH = "ReviewBatch"               # the committee office's batches and meetings
OBJECTION = "Objection"                    # 异议 raised during 公示
FLOW_CHART = "FlowChart"                   # 业务整体流程图, readable by every signed-in role
OPENAPI = "OpenApi"
LOGIN_LOG = "LoginLog"
ONLINE_SESSION = "OnlineSession"           # 在线用户 and 强制下线: Admin only (can_list, can_end)
PASSWORD_APPEAL = "PasswordAppeal"
DOCUMENT_TEMPLATE = "DocumentTemplate"     # 文书模板: Admin only (Admin holds every permission)
MY_UNIT_BINDING = "MyUnitBinding"          # 单位绑定: the person's request to a 法人单位 (can_read, can_write)
UNIT_BINDING = "UnitBinding"               # 人员绑定确认: units confirm; supervisor/authority read (can_list, can_act)
UNIT_REGISTRATION = "UnitRegistration"     # 单位注册审核: supervisor/authority decide (can_list, can_act)
ORG_IMPORT = "OrgImport"                   # Excel imports (can_import), one permission per kind
STAFF_IMPORT = "StaffImport"
PERSON_IMPORT = "PersonImport"
DICT_ITEM_IMPORT = "DictItemImport"
TRAINING_CLASS = "TrainingClass"           # 培训班管理: the provider's own classes and their enrolments
CLASS_COMPLETION_IMPORT = "ClassCompletionImport"  # a provider's 结业 list of one class (can_import)
CLASS_CATALOGUE = "ClassCatalogue"         # 培训班报名申请: published classes, 报名
MY_ENROLMENT = "MyEnrolment"               # 培训班情况查看: one's own enrolments
CLASS_OVERVIEW = "ClassOverview"           # the authority's read-only list of classes in its region
DASHBOARD = "Dashboard"                    # 统计分析 of the reviewer's scope (can_read, can_export)
MESSAGE = "Message"                        # 站内信: every signed-in user's own messages (can_read, can_write)
MAIL_QUEUE = "MailQueue"                   # 邮件发送队列: Admin only (can_list, can_resend)
ARTICLE = "Article"                        # 门户内容管理: the portal's articles and files (Admin only, SPEC §10)
RECYCLE_BIN = "RecycleBin"                 # 回收站 of deleted articles and dictionary values (Admin only)

# Menu names (stable); their labels are translated where the menu is built.
MENU_ORG_INFO = "Organisation"
MENU_MY_ORGS = "My Organisations"
MENU_ORG_STAFF = "Organisation Staff"
MENU_BASIC_DATA = "Basic Data"
MENU_DICT_TYPES = "Dictionary Types"
MENU_DICT_ITEMS = "Dictionary Items"
MENU_SYSTEM = "System"
MENU_ORGS = "Organisations"
MENU_OPERATION_LOG = "Operation Log"
MENU_CHANGE_LOG = "Change Log"             # 变更记录
MENU_PERSONAL = "Personal"
MENU_PROFILE = "Profile Maintenance"
MENU_MY_CERTIFICATES = "My Certificates"
MENU_REVIEW = "Review"
MENU_PROFILE_REVIEWS = "Profile Reviews"
MENU_LOGIN_LOG = "Login Log"
MENU_ONLINE_SESSIONS = "Online Users"      # 在线用户 (admin)
MENU_PASSWORD_APPEALS = "Password Appeals"
MENU_DOCUMENT_TEMPLATES = "Document Templates"  # 文书模板
MENU_BUSINESS = "Online Business"          # 网上业务办理
MENU_NEW_APPLICATION = "New Application"   # 业务申请
MENU_TRACKING = "Business Tracking"        # 办理事项跟踪
MENU_QUERY = "Business Query"              # 业务办理查询
MENU_FLOW_CHARTS = "Flow Charts"           # 业务整体流程图
MENU_TODO = "Applications To Do"           # 待办
MENU_DONE = "Applications Done"            # 已办
MENU_SEARCH = "Application Search"         # 业务查询 (staff: every application in reach)
MENU_BATCHES = "Review Batches"            # 评审批次
MENU_OBJECTIONS = "Publicity Objections"   # 公示异议
MENU_CERTIFICATES = "Certificates"         # 证书查询
MENU_CE_POLICIES = "CE Requirements"      # 继续教育学时要求
MENU_CE = "Continuing Education"           # 继续教育 (category)
MENU_MY_CE_CERTIFICATES = "CE Certificates"  # 继续教育证书打印
MENU_CE_COMPLIANCE = "CE Compliance"       # 继续教育年度认证情况
MENU_CE_RECORDS = "CE Record Claims"      # 继续教育记录申报
MENU_CE_REVIEW = "CE Hours Review"         # 继续教育学时审核
MENU_CREDIT = "Credit Management"          # 信用管理
MENU_CREDIT_RECORDS = "Credit Records"     # 失信记录
MENU_MY_CREDIT = "My Credit Records"       # 失信信息查看
MENU_MY_UNIT_BINDING = "My Unit Binding"   # 单位绑定
MENU_UNIT_BINDINGS = "Unit Bindings"       # 人员绑定确认
MENU_UNIT_REGISTRATIONS = "Unit Registrations"  # 单位注册审核
MENU_IMPORT_ORGS = "Import Organisations"
MENU_IMPORT_STAFF = "Import Staff Accounts"
MENU_IMPORT_PERSONS = "Import Persons"     # a unit's bulk personal accounts, in the organisation menu
MENU_IMPORT_DICT_ITEMS = "Import Dictionary Items"
MENU_TRAINING_CLASSES = "Training Classes"  # 培训班管理 (provider)
MENU_CLASS_CATALOGUE = "Class Enrolment"    # 培训班报名申请 (person)
MENU_MY_ENROLMENTS = "My Enrolments"        # 培训班情况查看 (person)
MENU_CLASS_OVERVIEW = "Class Overview"      # 培训班查询 (authority)
MENU_STATISTICS = "Statistics"             # 统计分析 (category)
MENU_DASHBOARD = "Dashboard"               # 统计看板
MENU_MAIL_QUEUE = "Mail Queue"              # 邮件发送队列 (admin)
MENU_ARTICLES = "Portal Articles"           # 门户内容管理 (admin)
MENU_RECYCLE_BIN = "Recycle Bin"            # 回收站 (admin)


@dataclass(frozen=True)
class RoleSpec:
    """One role: its label and the (permission, view) pairs and menus it is granted."""

    name: str
    label: object
    grants: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    menus: tuple[str, ...] = field(default_factory=tuple)
    is_staff: bool = True

    def permission_pairs(self) -> set[tuple[str, str]]:
        """Every (permission, view menu) the role must hold."""
        pairs = set(self.grants) | set(SELF_SERVICE)
        pairs |= {("menu_access", menu) for menu in self.menus}
        return pairs


def on(view: str, *permissions: str) -> tuple[tuple[str, str], ...]:
    """Grant the listed permissions on one view."""
    return tuple((permission, view) for permission in permissions)


# What any signed-in user may do with their own account. The password is changed on our own page
# (app/views/password.py), which needs the current password; FAB's "reset my password" is not granted.
SELF_SERVICE = (
    ("can_userinfo", "UserDBModelView"),
    ("userinfoedit", "UserDBModelView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    # 站内信: the messages page reads and marks only the user's own messages.
    ("can_read", MESSAGE),
    ("can_write", MESSAGE),
)

_ORG_READER = on(MY_ORG, *READ, EXPORT) + on(ORG_STAFF, *READ, EXPORT)
_ORG_KEEPER = _ORG_READER + on(MY_ORG, "can_edit")
_ORG_MENUS = (MENU_ORG_INFO, MENU_MY_ORGS, MENU_ORG_STAFF)
_DICTIONARY_KEEPER = on(DICT_TYPE, *READ, *WRITE, EXPORT) + on(DICT_ITEM, *READ, *WRITE, EXPORT)
_DICTIONARY_KEEPER += on(DICT_ITEM_IMPORT, "can_import")
_DICTIONARY_MENUS = (MENU_BASIC_DATA, MENU_DICT_TYPES, MENU_DICT_ITEMS, MENU_IMPORT_DICT_ITEMS)
_PROFILE_OWNER = (
    on(PROFILE, "can_read", "can_write") + on(PROFILE_RECORD, *READ, *WRITE) + on(PROFILE_FILE, "can_read")
    + on(PROFILE_API, "can_get", "can_post", "can_put", "can_delete") + on(OPENAPI, "can_get")
    + on(MY_CERTIFICATE, *READ) + on(MY_CREDIT_RECORD, *READ) + on(MY_CE_CERTIFICATE, "can_list", "can_print")
    + on(APPLICATION_API, "can_get", "can_post", "can_put", "can_act") + on(FLOW_CHART, "can_read")
)
_PROFILE_REVIEWER = on(PROFILE_REVIEW, *READ, "can_decide", EXPORT) + on(PROFILE_FILE, "can_read")
_APPLICATION_REVIEWER = (
    on(APPLICATION_API, "can_get", "can_act") + on(FLOW_CHART, "can_read")
    + on(APPLICATION_REVIEW, *READ, "can_act", EXPORT) + on(CERTIFICATE, *READ, EXPORT)
)
_PROFILE_REVIEW_MENUS = (MENU_REVIEW, MENU_PROFILE_REVIEWS)
_OBJECTION_KEEPER = on(OBJECTION, *READ, "can_add", "can_resolve", EXPORT)
_BATCH_KEEPER = on(REVIEW_BATCH, *READ, *WRITE, "can_meeting", EXPORT)
_APPLICATION_REVIEW_MENUS = (MENU_REVIEW, MENU_TODO, MENU_DONE, MENU_SEARCH, MENU_CERTIFICATES)
_CE_OVERSIGHT = on(CE_COMPLIANCE, "can_list", EXPORT)
_CE_OVERSIGHT_MENUS = (MENU_CE, MENU_CE_COMPLIANCE)
_CE_READER = on(CE_REVIEW, "can_list", "can_show")  # 继续教育学时审核, read-only; the unit adds can_decide
_DASHBOARD = on(DASHBOARD, "can_read", "can_export")
_DASHBOARD_MENUS = (MENU_STATISTICS, MENU_DASHBOARD)
# The logs within the reader's scope (app/scope/policy.py), searchable and exportable; nobody may change them.
_LOG_READER = on(OPERATION_LOG, *READ, EXPORT) + on(CHANGE_LOG, *READ, EXPORT)
_LOG_MENUS = (MENU_SYSTEM, MENU_OPERATION_LOG, MENU_CHANGE_LOG)

ROLES: dict[str, RoleSpec] = {
    spec.name: spec
    for spec in (
        # Admin is granted every permission the application registers (see sync).
        RoleSpec(ADMIN, _l("System administrator")),
        RoleSpec(
            AUTHORITY,
            _l("HRSS authority officer"),
            grants=_ORG_KEEPER + _DICTIONARY_KEEPER + _PROFILE_REVIEWER + _APPLICATION_REVIEWER
            + on(REVIEW_BATCH, *READ, EXPORT) + on(OBJECTION, *READ, EXPORT)
            + on(CREDIT_RECORD, *READ, "can_add", "can_end", EXPORT) + on(CERTIFICATE, "can_revoke")
            + on(CE_POLICY, *READ, EXPORT) + _CE_OVERSIGHT + _CE_READER + on(UNIT_BINDING, "can_list")
            + on(UNIT_REGISTRATION, "can_list", "can_act") + on(CLASS_OVERVIEW, "can_list", "can_show") + _DASHBOARD
            + _LOG_READER,
            menus=_ORG_MENUS + _DICTIONARY_MENUS + _PROFILE_REVIEW_MENUS + _APPLICATION_REVIEW_MENUS
            + (MENU_BATCHES, MENU_OBJECTIONS, MENU_CREDIT, MENU_CREDIT_RECORDS, MENU_CE_POLICIES, MENU_CE_REVIEW)
            + _CE_OVERSIGHT_MENUS + (MENU_UNIT_BINDINGS, MENU_UNIT_REGISTRATIONS, MENU_CLASS_OVERVIEW) + _DASHBOARD_MENUS
            + _LOG_MENUS,
        ),
        RoleSpec(
            SUPERVISOR_REVIEWER,
            _l("Supervising department reviewer"),
            grants=_ORG_KEEPER + _PROFILE_REVIEWER + _APPLICATION_REVIEWER + on(OBJECTION, *READ, EXPORT)
            + _CE_OVERSIGHT + _CE_READER + on(UNIT_BINDING, "can_list") + on(UNIT_REGISTRATION, "can_list", "can_act")
            + _DASHBOARD,
            menus=_ORG_MENUS + _PROFILE_REVIEW_MENUS + _APPLICATION_REVIEW_MENUS + (MENU_OBJECTIONS, MENU_CE_REVIEW)
            + _CE_OVERSIGHT_MENUS + (MENU_UNIT_BINDINGS, MENU_UNIT_REGISTRATIONS) + _DASHBOARD_MENUS,
        ),
        RoleSpec(
            UNIT_REVIEWER,
            _l("Employer unit reviewer"),
            grants=_ORG_KEEPER + _PROFILE_REVIEWER + _APPLICATION_REVIEWER + _OBJECTION_KEEPER
            + on(PERSON_IMPORT, "can_import") + _CE_OVERSIGHT + _CE_READER + on(CE_REVIEW, "can_decide")
            + on(UNIT_BINDING, "can_list", "can_act") + _DASHBOARD,
            menus=_ORG_MENUS + _PROFILE_REVIEW_MENUS + _APPLICATION_REVIEW_MENUS + (MENU_OBJECTIONS,)
            + (MENU_IMPORT_PERSONS, MENU_UNIT_BINDINGS, MENU_CE_REVIEW) + _CE_OVERSIGHT_MENUS + _DASHBOARD_MENUS,
        ),
        RoleSpec(
            COMMITTEE_OFFICE, _l("Review committee office"),
            grants=_ORG_KEEPER + _APPLICATION_REVIEWER + _BATCH_KEEPER + _OBJECTION_KEEPER + _DASHBOARD,
            menus=_ORG_MENUS + _APPLICATION_REVIEW_MENUS + (MENU_BATCHES, MENU_OBJECTIONS) + _DASHBOARD_MENUS,
        ),
        RoleSpec(
            EXPERT,
            _l("Review expert"),
            # Read-only: the candidates of the meetings they sit in (the Application scope policy).
            grants=on(MY_ORG, *READ, EXPORT) + on(APPLICATION_API, "can_get") + on(FLOW_CHART, "can_read")
            + on(APPLICATION_REVIEW, *READ, EXPORT),
            menus=(MENU_ORG_INFO, MENU_MY_ORGS, MENU_REVIEW, MENU_TODO),
        ),
        RoleSpec(
            PROVIDER, _l("Training provider officer"),
            grants=_ORG_KEEPER + on(TRAINING_CLASS, "can_list", "can_show", "can_add", "can_edit", "can_act",
                                    "can_decide") + on(CLASS_COMPLETION_IMPORT, "can_import"),
            menus=_ORG_MENUS + (MENU_CE, MENU_TRAINING_CLASSES),
        ),
        RoleSpec(
            APPLICANT,
            _l("Individual applicant"),
            # 导出Excel of their own 业务办理查询 only; no staff list is exportable to them.
            grants=_PROFILE_OWNER + on(APPLICATION, "can_read", "can_write", EXPORT)
            + on(MY_UNIT_BINDING, "can_read", "can_write") + on(CE_RECORD, "can_read", "can_write")
            + on(CLASS_CATALOGUE, "can_list", "can_show", "can_enrol") + on(MY_ENROLMENT, "can_list", "can_cancel"),
            menus=(MENU_PERSONAL, MENU_PROFILE, MENU_MY_UNIT_BINDING, MENU_MY_CERTIFICATES, MENU_MY_CREDIT, MENU_CE,
                   MENU_CE_RECORDS, MENU_CLASS_CATALOGUE, MENU_MY_ENROLMENTS, MENU_MY_CE_CERTIFICATES, MENU_BUSINESS,
                   MENU_NEW_APPLICATION, MENU_TRACKING, MENU_QUERY, MENU_FLOW_CHARTS),
            is_staff=False,
        ),
    )
}


def role_label(name: str) -> str:
    """The translated name of a role, or the raw name for roles made by hand."""
    spec = ROLES.get(name)
    return str(spec.label) if spec else name
