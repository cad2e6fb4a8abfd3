"""Settings read from the environment, with an embedded SQLite database by default."""
import os
import shutil
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def env_str(name: str, default: str | None = None) -> str | None:
    """Return an environment variable, or the default when it is unset or empty."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = env_str(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    value = env_str(name)
    return int(value) if value is not None else default


def _database_url() -> str:
    url = env_str("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'zhiping.db'}")
    # psycopg 3 is the installed driver; accept the common postgres:// spellings too.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


ENV = env_str("ZHIPING_ENV", "development")
PRODUCTION = ENV == "production"

# A development key is fine on a laptop; production refuses to start without a real one (see create_app).
SECRET_KEY = env_str("SECRET_KEY", None if PRODUCTION else "dev-only-secret-key-change-me")

SQLALCHEMY_DATABASE_URI = _database_url()
SQLALCHEMY_TRACK_MODIFICATIONS = False
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
# The connection pool of each app process (one per gunicorn worker), added on PostgreSQL by create_app: the server's
# max_connections must cover workers × (DB_POOL_SIZE + DB_MAX_OVERFLOW) over every host, plus the tick's connections.
DB_POOL_SIZE = env_int("DB_POOL_SIZE", 5)
DB_MAX_OVERFLOW = env_int("DB_MAX_OVERFLOW", 5)
DB_POOL_TIMEOUT = env_int("DB_POOL_TIMEOUT", 30)  # seconds a request waits for a free connection
DB_POOL_RECYCLE = env_int("DB_POOL_RECYCLE", 1800)  # seconds before a connection is replaced

APP_NAME = "职评 · 职称与继续教育管理平台"
APP_THEME = ""
APP_ICON = ""
FAB_BASE_TEMPLATE = "zhiping_base.html"
FAB_INDEX_VIEW = "app.views.home.HomeView"
FAB_SECURITY_MANAGER_CLASS = "app.security.manager.ZhipingSecurityManager"
# The schema belongs to the migrations; permissions to the deploy command (FAB_NOTES 1, 12).
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = False
# The JSON login /api/v1/security/login is always registered by FAB (and goes through our auth_user_db);
# this flag would add FAB's user/role REST APIs, which bypass the account rules, so it stays off.
FAB_ADD_SECURITY_API = False
FAB_API_SWAGGER_UI = False
FAB_ALLOW_GET_UNSAFE_MUTATIONS = False
FAB_API_MAX_PAGE_SIZE = 100
# Largest Excel export (导出Excel); a larger one is refused with a message asking to narrow the search.
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 100000)

AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
AUTH_USER_REGISTRATION_ROLE = "Applicant"
AUTH_RATE_LIMITED = True
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
# Shared state of several app processes (gunicorn workers, several hosts): with REDIS_URL set, the rate-limit
# counters and the dictionary cache's change generation live in Redis; without it they are per process
# (fine for one process). Lockouts, sessions, captchas and edit locks are in the database either way.
REDIS_URL = env_str("REDIS_URL", "")
# Flask-Limiter's storage: this when given, else REDIS_URL, else memory:// (create_app decides).
RATELIMIT_STORAGE_URI = env_str("RATELIMIT_STORAGE_URI")
# When Redis cannot be reached, count per process rather than refusing every sign-in (it is retried with back-off).
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
# Behind nginx (or another reverse proxy): how many proxies' X-Forwarded-For/-Proto to trust, so that rate limits
# and the login log see the client's address rather than the proxy's. 0 = the app is reached directly.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
AUTH_RATE_LIMIT = env_str("AUTH_RATE_LIMIT", "10 per 20 second")

BABEL_DEFAULT_LOCALE = "zh"
BABEL_DEFAULT_FOLDER = str(BASE_DIR / "translations")
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "gb", "name": "English"},
}

WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
PERMANENT_SESSION_LIFETIME = env_int("SESSION_IDLE_MINUTES", 30) * 60
# No remember-me cookie: a session ends with the browser or after the idle timeout.
REMEMBER_COOKIE_DURATION = 0

MAX_CONTENT_LENGTH = env_int("MAX_UPLOAD_MB", 20) * 1024 * 1024
UPLOAD_FOLDER = env_str("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
FILE_ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")
# Per-file limits, checked after the content type has been sniffed from the bytes.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 5) * 1024 * 1024
PORTAL_FILE_MAX_BYTES = env_int("PORTAL_FILE_MAX_MB", 10) * 1024 * 1024  # 文件下载 on the portal
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_KB", 1024) * 1024
# An uploaded Word template (系统管理 › 文书模板) is refused above this size.
DOCUMENT_TEMPLATE_MAX_BYTES = env_int("DOCUMENT_TEMPLATE_MAX_KB", 2048) * 1024

# PDF of generated documents: LibreOffice in headless mode (README, "PDF output"); without it, Word only.
SOFFICE_PATH = env_str("SOFFICE_PATH", shutil.which("soffice") or shutil.which("libreoffice"))
PDF_TIMEOUT = env_int("PDF_TIMEOUT", 60)  # seconds one conversion may take

# Largest page a list may show, whatever the URL asks for (FAB_NOTES 13).
MAX_PAGE_SIZE = 100
DICTIONARY_CACHE_SECONDS = env_int("DICTIONARY_CACHE_SECONDS", 60)

# Times are stored in UTC and shown in this zone.
DISPLAY_TIMEZONE = env_str("DISPLAY_TIMEZONE", "Asia/Shanghai")

# Title businesses: working days for corrections and for each 公示; the certificate number pattern
# ({year}, {kind}: P 评审 R 认定 C 确认 B 补发, {seq}: a per-year-and-kind counter).
CORRECTION_WORKDAYS = env_int("CORRECTION_WORKDAYS", 10)
# Local closed days on top of the national calendar, as comma-separated ISO dates.
EXTRA_HOLIDAYS = tuple(day.strip() for day in (env_str("EXTRA_HOLIDAYS", "") or "").split(",") if day.strip())
PUBLICITY_WORKDAYS = env_int("PUBLICITY_WORKDAYS", 5)
# Working days each review level has to handle an application that reached it (the 待办 inbox's due date).
REVIEW_DUE_WORKDAYS = env_int("REVIEW_DUE_WORKDAYS", 10)
CERTIFICATE_NUMBER_PATTERN = env_str("CERTIFICATE_NUMBER_PATTERN", "粤职{year}{kind}{seq:06d}")
# 继续教育证书号 of a 培训年度: its own counter and pattern ({kind} is "JX").
CE_CERTIFICATE_NUMBER_PATTERN = env_str("CE_CERTIFICATE_NUMBER_PATTERN", "粤继教{year}{seq:07d}")

# Dashboard figures (app/workflow/stats_cache.py): one taking at least this many milliseconds to compute is kept and
# shown with "数据截至" until the tick computes it again, every STATS_REFRESH_MINUTES; kept figures nobody looked at
# for STATS_KEEP_DAYS are dropped. "off" computes every figure on every view.
STATS_KEEP_AFTER_MS = None if env_str("STATS_KEEP_AFTER_MS") == "off" else env_int("STATS_KEEP_AFTER_MS", 20)
STATS_REFRESH_MINUTES = env_int("STATS_REFRESH_MINUTES", 30)
STATS_KEEP_DAYS = env_int("STATS_KEEP_DAYS", 7)

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "Demo@2026zp")

# ----- accounts (registration, login, recovery) -----
CAPTCHA_ENABLED = env_bool("CAPTCHA_ENABLED", True)
CAPTCHA_TTL_SECONDS = env_int("CAPTCHA_TTL_SECONDS", 300)
LOGIN_LOCKOUT_ATTEMPTS = env_int("LOGIN_LOCKOUT_ATTEMPTS", 5)
LOGIN_LOCKOUT_WINDOW_MINUTES = env_int("LOGIN_LOCKOUT_WINDOW_MINUTES", 10)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 10)
RECOVERY_RATE_LIMIT = env_str("RECOVERY_RATE_LIMIT", "5 per minute")
# How long a verified security-question answer may be used to set a new password, in seconds.
RECOVERY_TOKEN_MAX_AGE = env_int("RECOVERY_TOKEN_MAX_AGE", 600)
# How long an e-mailed password reset link works, in seconds.
PASSWORD_RESET_MAX_AGE = env_int("PASSWORD_RESET_MAX_AGE", 30 * 60)
# Password hashing (werkzeug): scrypt; a hash of another method (pbkdf2, an older FAB default) is re-hashed
# with this one at the account's next successful sign-in.
FAB_PASSWORD_HASH_METHOD = env_str("PASSWORD_HASH_METHOD", "scrypt")
# A new password may not repeat any of the account's last N passwords (0 turns the check off).
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)
# Optional password expiry: after this many days without a change the user must change it before going on
# (0 = off, the default).
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 0)

# Outgoing e-mail (password reset links) through an SMTP server.
MAIL_SERVER = env_str("MAIL_SERVER", "localhost")
MAIL_PORT = env_int("MAIL_PORT", 25)
MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
MAIL_USERNAME = env_str("MAIL_USERNAME")
MAIL_PASSWORD = env_str("MAIL_PASSWORD")
MAIL_DEFAULT_SENDER = env_str("MAIL_DEFAULT_SENDER", "zhiping@localhost")
MAIL_TIMEOUT_SECONDS = env_int("MAIL_TIMEOUT_SECONDS", 10)

# Notifications (站内信 and their e-mails, sent by `flask --app run workflow tick` or `mail send`): minutes to wait
# before each retry of a refused e-mail, how many attempts before it is marked failed, how many e-mails one run
# sends, how long a sender's claim on an e-mail lasts, and how many days before a correction deadline or the end of
# a 公示 the reminder goes out. SITE_URL (e.g. https://zhiping.example.gov.cn) puts a full link in e-mails.
MAIL_RETRY_MINUTES = tuple(int(m) for m in (env_str("MAIL_RETRY_MINUTES", "1,5,30,120,480") or "").split(",") if m.strip())
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 6)
MAIL_BATCH_SIZE = env_int("MAIL_BATCH_SIZE", 200)
MAIL_CLAIM_MINUTES = env_int("MAIL_CLAIM_MINUTES", 15)
NOTIFY_REMINDER_DAYS = env_int("NOTIFY_REMINDER_DAYS", 3)
SITE_URL = env_str("SITE_URL", "")

# Excel imports (机构/工作人员/个人账号/字典值): the largest file and row count accepted, and how long an uploaded file
# is kept between its dry run and the commit.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_KB", 5 * 1024) * 1024
IMPORT_STAGING_MINUTES = env_int("IMPORT_STAGING_MINUTES", 60)
