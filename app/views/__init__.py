"""Register every view and menu with the AppBuilder."""
from flask import current_app
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from app.security import roles as r
from app.views.account import OrgStaffView
from app.views.appeal import PasswordAppealView
from app.views.application_review import ApplicationReviewView
from app.views.application_forms import ApplicationFormView
from app.views.applications import ApplicationView
from app.views.audit import ChangeLogView, OperationLogView
from app.views import change_history
from app.views.captcha import CaptchaView
from app.views.login_log import LoginLogView
from app.views.online_sessions import OnlineSessionView
from app.views.messages import MailQueueView, MessageView
from app.views.messages import install as install_message_badge
from app.views.menu_cache import install as install_kept_menus
from app.views.password import PasswordView
from app.views.recovery import RecoveryView
from app.views.registration import RegistrationView
from app.views.dictionary import DictItemView, DictTypeView
from app.views.document_templates import DocumentTemplateView
from app.views.flow_chart import FlowChartView
from app.views.imports import DictItemImportView, OrgImportView, PersonImportView, StaffImportView
from app.views.objection import ObjectionView
from app.views.review_batch import ReviewBatchView
from app.views.ce_certificate import CeComplianceView, MyCeCertificateView
from app.views.ce_policy import CePolicyView
from app.views.ce_records import CeRecordView, CeReviewView
from app.views.dashboard import DashboardView
from app.views.credit import CreditRecordView, MyCreditView
from app.views.certificate import CertificateVerifyView, CertificateView, MyCertificateView
from app.views.org import MyOrgView, OrgAdminView
from app.views.portal import ArticleAdminView, PortalView
from app.views.profile import ProfileFileView, ProfileView
from app.views.profile_review import ProfileReviewView
from app.views.profile_sections import SECTION_VIEWS
from app.views.unit_binding import MyUnitBindingView, UnitBindingView
from app.views.unit_registration import UnitRegisterView, UnitRegistrationView
from app.views.training import (
    ClassCatalogueView, ClassCompletionImportView, ClassOverviewView, MyEnrolmentView, TrainingClassView,
)


from app.views.recycle_bin import RecycleBinView  # noqa: E402


def register_views(appbuilder: AppBuilder) -> None:
    """Add the project's views; FAB's security views come from the security manager."""
    appbuilder.add_view(
        ProfileView, r.MENU_PROFILE, label=_l("Personal information maintenance"), icon="fa-id-card",
        category=r.MENU_PERSONAL, category_label=_l("Personal information"), category_icon="fa-user",
    )
    appbuilder.add_view(
        MyUnitBindingView, r.MENU_MY_UNIT_BINDING, label=_l("Unit binding"), icon="fa-link",
        category=r.MENU_PERSONAL,
    )
    appbuilder.add_view(
        MyCertificateView, r.MENU_MY_CERTIFICATES, label=_l("My certificates"), icon="fa-certificate",
        category=r.MENU_PERSONAL,
    )
    appbuilder.add_view(
        MyCreditView, r.MENU_MY_CREDIT, label=_l("My breach-of-trust records"), icon="fa-ban",
        category=r.MENU_PERSONAL,
    )
    register_ce_pages(appbuilder)
    for section_view in SECTION_VIEWS:
        appbuilder.add_view_no_menu(section_view)
    appbuilder.add_view_no_menu(ProfileFileView)
    register_application_pages(appbuilder)
    appbuilder.add_view(
        FlowChartView, r.MENU_FLOW_CHARTS, label=_l("Overall business flow charts"), icon="fa-sitemap",
        category=r.MENU_BUSINESS, category_label=_l("Online business"), category_icon="fa-briefcase",
    )
    appbuilder.add_view(
        ProfileReviewView, r.MENU_PROFILE_REVIEWS, label=_l("Profile reviews"), icon="fa-check-square-o",
        category=r.MENU_REVIEW, category_label=_l("Review"), category_icon="fa-gavel",
    )
    appbuilder.add_view(
        ApplicationReviewView, r.MENU_TODO, label=_l("Applications to do"), icon="fa-inbox",
        href="/review/applications/todo", category=r.MENU_REVIEW,
    )
    appbuilder.add_link(
        r.MENU_DONE, href="/review/applications/done", label=_l("Applications done"), icon="fa-check-circle",
        category=r.MENU_REVIEW,
    )
    appbuilder.add_link(
        r.MENU_SEARCH, href="/review/applications/search", label=_l("Application search"), icon="fa-search",
        category=r.MENU_REVIEW,
    )
    appbuilder.add_view(
        ReviewBatchView, r.MENU_BATCHES, label=_l("Review batches"), icon="fa-calendar", category=r.MENU_REVIEW,
    )
    appbuilder.add_view(
        ObjectionView, r.MENU_OBJECTIONS, label=_l("Publicity objections"), icon="fa-flag", category=r.MENU_REVIEW,
    )
    appbuilder.add_view(
        CreditRecordView, r.MENU_CREDIT_RECORDS, label=_l("Breach-of-trust records"), icon="fa-ban",
        category=r.MENU_CREDIT, category_label=_l("Credit management"), category_icon="fa-balance-scale",
    )
    appbuilder.add_view(
        CertificateView, r.MENU_CERTIFICATES, label=_l("Certificate register"), icon="fa-certificate",
        category=r.MENU_REVIEW,
    )
    appbuilder.add_view(
        MyOrgView, r.MENU_MY_ORGS, label=_l("My organisations"), icon="fa-sitemap",
        category=r.MENU_ORG_INFO, category_label=_l("Organisation"), category_icon="fa-building",
    )
    appbuilder.add_view(
        OrgStaffView, r.MENU_ORG_STAFF, label=_l("Organisation staff"), icon="fa-users",
        category=r.MENU_ORG_INFO,
    )
    appbuilder.add_view(
        PersonImportView, r.MENU_IMPORT_PERSONS, label=_l("Import personal accounts"), icon="fa-upload",
        category=r.MENU_ORG_INFO,
    )
    appbuilder.add_view(
        DictTypeView, r.MENU_DICT_TYPES, label=_l("Dictionaries"), icon="fa-book",
        category=r.MENU_BASIC_DATA, category_label=_l("Basic data"), category_icon="fa-database",
    )
    appbuilder.add_view(
        DictItemView, r.MENU_DICT_ITEMS, label=_l("Dictionary values"), icon="fa-list",
        category=r.MENU_BASIC_DATA,
    )
    appbuilder.add_view(
        CePolicyView, r.MENU_CE_POLICIES, label=_l("Continuing-education requirements"), icon="fa-graduation-cap",
        category=r.MENU_BASIC_DATA,
    )
    appbuilder.add_view(
        DictItemImportView, r.MENU_IMPORT_DICT_ITEMS, label=_l("Import dictionary values"), icon="fa-upload",
        category=r.MENU_BASIC_DATA,
    )
    appbuilder.add_view(
        OrgAdminView, r.MENU_ORGS, label=_l("Organisations"), icon="fa-sitemap",
        category=r.MENU_SYSTEM, category_label=_l("System"), category_icon="fa-cogs",
    )
    appbuilder.add_view(
        RecycleBinView, r.MENU_RECYCLE_BIN, label=_l("Recycle bin"), icon="fa-trash",
        category=r.MENU_SYSTEM,
    )
    appbuilder.add_view(
        OrgImportView, r.MENU_IMPORT_ORGS, label=_l("Import organisations"), icon="fa-upload",
        category=r.MENU_SYSTEM,
    )
    appbuilder.add_view(
        StaffImportView, r.MENU_IMPORT_STAFF, label=_l("Import staff accounts"), icon="fa-upload",
        category=r.MENU_SYSTEM,
    )
    appbuilder.add_view(
        UnitBindingView, r.MENU_UNIT_BINDINGS, label=_l("Binding confirmation"), icon="fa-link",
        category=r.MENU_REVIEW,
    )
    appbuilder.add_view(
        UnitRegistrationView, r.MENU_UNIT_REGISTRATIONS, label=_l("Unit registration review"),
        icon="fa-building-o", category=r.MENU_REVIEW,
    )
    appbuilder.add_view(
        OperationLogView, r.MENU_OPERATION_LOG, label=_l("Operation log"), icon="fa-history",
        category=r.MENU_SYSTEM,
    )
    appbuilder.add_view(
        ChangeLogView, r.MENU_CHANGE_LOG, label=_l("Change log"), icon="fa-exchange", category=r.MENU_SYSTEM,
    )
    current_app.jinja_env.globals["change_history"] = change_history.timeline
    appbuilder.add_view(
        LoginLogView, r.MENU_LOGIN_LOG, label=_l("Login log"), icon="fa-sign-in", category=r.MENU_SYSTEM,
    )
    appbuilder.add_view(
        OnlineSessionView, r.MENU_ONLINE_SESSIONS, label=_l("Online users"), icon="fa-users", category=r.MENU_SYSTEM,
    )
    appbuilder.add_view(
        PasswordAppealView, r.MENU_PASSWORD_APPEALS, label=_l("Password appeals"), icon="fa-key",
        category=r.MENU_SYSTEM,
    )
    appbuilder.add_view(
        DocumentTemplateView, r.MENU_DOCUMENT_TEMPLATES, label=_l("Document templates"), icon="fa-file-word-o",
        category=r.MENU_SYSTEM,
    )
    appbuilder.add_view(
        DashboardView, r.MENU_DASHBOARD, label=_l("Statistics dashboard"), icon="fa-bar-chart",
        category=r.MENU_STATISTICS, category_label=_l("Statistical analysis"), category_icon="fa-line-chart",
    )
    appbuilder.add_view(
        MailQueueView, r.MENU_MAIL_QUEUE, label=_l("Mail queue"), icon="fa-envelope-o", category=r.MENU_SYSTEM,
    )
    # 站内信: reached from the envelope in the navbar, which shows the unread count.
    appbuilder.add_view_no_menu(MessageView)
    install_message_badge(current_app)
    install_kept_menus(current_app)
    appbuilder.add_view(
        ArticleAdminView, r.MENU_ARTICLES, label=_l("Portal articles"), icon="fa-newspaper-o",
        category=r.MENU_SYSTEM,
    )
    appbuilder.add_view_no_menu(PortalView)
    register_account_pages(appbuilder)


def register_ce_pages(appbuilder: AppBuilder) -> None:
    """继续教育, in the order of seed 002: the person's claims, classes, enrolments and certificates, then the
    unit's review, the verdicts, the provider's classes and the authority's overview."""
    category = dict(category=r.MENU_CE)
    appbuilder.add_view(
        CeRecordView, r.MENU_CE_RECORDS, label=_l("Continuing-education record claims"), icon="fa-pencil-square-o",
        category=r.MENU_CE, category_label=_l("Continuing education"), category_icon="fa-graduation-cap",
    )
    appbuilder.add_view(ClassCatalogueView, r.MENU_CLASS_CATALOGUE, label=_l("Training class enrolment"),
                        icon="fa-hand-o-right", **category)
    appbuilder.add_view(MyEnrolmentView, r.MENU_MY_ENROLMENTS, label=_l("My training classes"),
                        icon="fa-list-alt", **category)
    appbuilder.add_view(MyCeCertificateView, r.MENU_MY_CE_CERTIFICATES,
                        label=_l("Continuing education certificate printing"), icon="fa-print", **category)
    appbuilder.add_view(CeReviewView, r.MENU_CE_REVIEW, label=_l("Continuing-education hours review"),
                        icon="fa-check-square-o", **category)
    appbuilder.add_view(CeComplianceView, r.MENU_CE_COMPLIANCE, label=_l("Annual continuing education verdicts"),
                        icon="fa-bar-chart", **category)
    appbuilder.add_view(TrainingClassView, r.MENU_TRAINING_CLASSES, label=_l("Training class management"),
                        icon="fa-users", **category)
    appbuilder.add_view(ClassOverviewView, r.MENU_CLASS_OVERVIEW, label=_l("Training class overview"),
                        icon="fa-search", **category)
    appbuilder.add_view_no_menu(ClassCompletionImportView)


def register_application_pages(appbuilder: AppBuilder) -> None:
    """The applicant's business screens: 业务申请, 办理事项跟踪, 业务办理查询 in 网上业务办理."""
    appbuilder.add_view_no_menu(ApplicationView)
    appbuilder.add_view_no_menu(ApplicationFormView)
    for name, endpoint, label, icon in (
        (r.MENU_NEW_APPLICATION, "ApplicationFormView.new", _l("New application"), "fa-pencil-square-o"),
        (r.MENU_TRACKING, "ApplicationView.tracking", _l("Business tracking"), "fa-tasks"),
        (r.MENU_QUERY, "ApplicationView.index", _l("Business query"), "fa-search"),
    ):
        appbuilder.add_link(name, href=endpoint, label=label, icon=icon, category=r.MENU_BUSINESS,
                            category_label=_l("Online business"), category_icon="fa-briefcase")


def register_account_pages(appbuilder: AppBuilder) -> None:
    """The public account pages (captcha, registration, recovery) and the change-password page."""
    for view in (CaptchaView, RegistrationView, UnitRegisterView, PasswordView):
        appbuilder.add_view_no_menu(view)
    recovery = appbuilder.add_view_no_menu(RecoveryView)
    verify = appbuilder.add_view_no_menu(CertificateVerifyView)
    # The public verification answers only number + code pairs; a budget per address stops enumeration.
    appbuilder.sm.limiter.shared_limit(
        lambda: current_app.config["RECOVERY_RATE_LIMIT"], scope="certificate-verification", methods=["POST"]
    )(verify.blueprint)
    # One budget per client address for every recovery step, so no step can be hammered on its own.
    appbuilder.sm.limiter.shared_limit(
        lambda: current_app.config["RECOVERY_RATE_LIMIT"], scope="account-recovery", methods=["POST"]
    )(recovery.blueprint)
