"""Settings for Considered.

One module, zero configuration: with nothing set it runs on a SQLite file under var/, with debug
on and a development key. Production values come from the environment; a malformed value, or the
development key with debug off, stops the process at start-up rather than running half-configured.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DEVELOPMENT_KEY = "django-insecure-development-key-for-local-use-only"  # noqa: S105


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_KEY
if not DEBUG and SECRET_KEY == DEVELOPMENT_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "cases.admin_site.ConsideredAdminConfig",  # django.contrib.admin, without /admin/r/
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram lookups for name search on PostgreSQL (cases.search)
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # backup codes (cases.backup_codes)
    "axes",
    # Django REST framework is used without its app: the API speaks JSON only, so the browsable
    # API's templates and static files (and their font references) are not installed.
    "drf_spectacular",
    "consequences",
    "cases",
    "compliance",
]

# How often (seconds) each process looks for a newly installed offense catalog; 0 turns it off
# (cases.middleware.CatalogRefreshMiddleware).
CATALOG_CHECK_SECONDS = env_int("CATALOG_CHECK_SECONDS", 60)

MIDDLEWARE = [
    "cases.middleware.RequestIdMiddleware",
    "cases.middleware.CatalogRefreshMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "cases.validation.CleanTextMiddleware",
    "cases.errors.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cases.middleware.MembershipMiddleware",  # membership, office and unit in one query
    "cases.middleware.NoStoreMiddleware",  # no-store on every signed-in response
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "config.routers.ReportReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cases.sessions.SessionLimitsMiddleware",
    "cases.security.SecondFactorMiddleware",
    "cases.middleware.RefusalAuditMiddleware",  # 403s and 404s from views: security events
    "cases.middleware.IdsInRangeMiddleware",  # an id past 64 bits: 404, not a database error
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cases.context_processors.membership",
            ],
        },
    },
]

# SQLite file under var/ by default; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'considered.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, except that a table rebuild keeps its triggers (config/sqlite3).
    DATABASES["default"]["ENGINE"] = "config.sqlite3"
    # WAL and a busy timeout let the development server and a test client write side by side.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# No parallel query on the application's PostgreSQL connections. Its statements are small and
# many run side by side; a parallel plan starts two background processes to save a few ms of one
# statement, and under load their start-up competes with the requests themselves (issue 19: the
# navigation's count, on every page, took 12 ms with two workers launched and 7 ms without).
# A libpq start-up option: no round trip. Appended to any `options` DATABASE_URL already names.
NO_PARALLEL_QUERY = "-c max_parallel_workers_per_gather=0"
# The SQL the app keeps per process runs as prepared statements (cases/prepared.py), each
# planned once per connection, for any values. The app prepares no other statement; the setting
# also reaches the statements inside its PL/pgSQL triggers (lookups by key, planned alike).
# DB_PREPARED_STATEMENTS=0 behind a pooler in transaction mode.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
GENERIC_PLANS = "-c plan_cache_mode=force_generic_plan"


def with_connection_options(database: dj_database_url.DBConfig) -> dj_database_url.DBConfig:
    if database["ENGINE"] == "django.db.backends.postgresql":
        wanted = [NO_PARALLEL_QUERY, *([GENERIC_PLANS] if DB_PREPARED_STATEMENTS else [])]
        options = database.setdefault("OPTIONS", {})
        options["options"] = " ".join([options.get("options", ""), *wanted]).strip()
    return database


with_connection_options(DATABASES["default"])

# A streaming replica for the compliance report's reads (config/routers.py): with
# DATABASE_REPLICA_URL set, the report pages read their figures there. Without it the alias
# names the primary and nothing is routed to it; in tests it mirrors the test database.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
REPORTS_FROM_REPLICA = bool(DATABASE_REPLICA_URL)
DATABASES["replica"] = (
    with_connection_options(
        dj_database_url.parse(
            DATABASE_REPLICA_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    )
    if DATABASE_REPLICA_URL
    else {**DATABASES["default"]}
)
DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.ReportReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]

AUTHENTICATION_BACKENDS = [
    "cases.auth_events.LockoutBackend",  # django-axes: refuses a locked-out username and address
    "django.contrib.auth.backends.ModelBackend",
    "cases.sso.ProviderBackend",  # single sign-on; answers only the sign-on callback
]

# Lockout (django-axes): 5 failures for one username from one address lock that pair out for
# 15 minutes; failures older than 15 minutes are forgotten; a success clears the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cases.views.auth.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # successes are in our own audit log
AXES_VERBOSE = False  # failures are in our own audit log, without the username typed
# PROXY_COUNT: how many proxies in front of the app append to X-Forwarded-For (1 behind the
# documented TLS proxy). Lockout and audit log read the client through the same function, so a
# lockout names the client the audit log records. Not django-ipware: its proxy_count counts
# the hops inside X-Forwarded-For, one fewer than ours, and with PROXY_COUNT=1 it would return
# no address for a normal request and the forged one for a request that brings its own header.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"PROXY_COUNT must be 0 or more, not {PROXY_COUNT}")
AXES_CLIENT_IP_CALLABLE = "cases.audit.client_address"

OTP_TOTP_ISSUER = "Considered"

# Single sign-on with the county's identity provider (OpenID Connect; cases.sso, docs/sso.md).
# Off unless OIDC_ISSUER is set: then the client id and secret must be set too, and the role map
# says which directory group gives which role in which office. The map's offices and roles are
# checked at start-up (cases.checks); a malformed value stops the process here.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_ROLE_MAP_TEXT = os.environ.get("OIDC_ROLE_MAP", "")
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
# When the provider says the person used a second factor (an `amr` value or an `acr` listed
# here), the app's own TOTP is not asked again; OIDC_TRUST_PROVIDER_MFA=false always asks it.
OIDC_TRUST_PROVIDER_MFA = env_bool("OIDC_TRUST_PROVIDER_MFA", True)
OIDC_MFA_AMR_VALUES = env_list("OIDC_MFA_AMR_VALUES", ["mfa", "otp", "hwk"])
OIDC_MFA_ACR_VALUES = env_list("OIDC_MFA_ACR_VALUES", [])
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)  # seconds for each call to the provider
OIDC_CLOCK_SKEW_SECONDS = env_int("OIDC_CLOCK_SKEW_SECONDS", 60)
if OIDC_ISSUER and not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER is set: set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too.")
if OIDC_ISSUER and not OIDC_ROLE_MAP_TEXT:
    raise ImproperlyConfigured("OIDC_ISSUER is set: set OIDC_ROLE_MAP too (see docs/sso.md).")
try:
    OIDC_ROLE_MAP = json.loads(OIDC_ROLE_MAP_TEXT) if OIDC_ROLE_MAP_TEXT else {}
except ValueError as error:
    raise ImproperlyConfigured(f"OIDC_ROLE_MAP is not valid JSON: {error}") from None
# mozilla-django-oidc: the code flow with PKCE and a nonce, RS256 ID tokens checked against the
# provider's published keys; accounts are never created by a sign-in (cases.sso).
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_VERIFY_SSL = env_bool("OIDC_VERIFY_SSL", True)

# Invitations (cases.invites): the set-up link goes by e-mail to the new user only. In
# development the message is printed on the console; production names its mail relay.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "considered@localhost")
# How long an invitation link works (Django's password-reset token lifetime): 3 days.
PASSWORD_RESET_TIMEOUT = env_int("INVITE_TIMEOUT_SECONDS", 3 * 24 * 3600)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "var" / "staticfiles")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The defense's PDF attachments (cases.attachments): a directory no URL maps to, outside
# STATIC_ROOT and MEDIA_ROOT; files leave it only through the login-checked download view.
PRIVATE_MEDIA_ROOT = Path(
    os.environ.get("PRIVATE_MEDIA_ROOT") or BASE_DIR / "var" / "private-media"
)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Signed worksheets' PDFs, rendered once (cases.pdf_store). Another backend, e.g.
    # django-storages' S3 for several servers, is set with PDF_STORAGE_BACKEND and its options.
    "worksheet_pdfs": {
        "BACKEND": os.environ.get("PDF_STORAGE_BACKEND", "cases.pdf_store.AtomicFileSystemStorage"),
        "OPTIONS": {"location": os.environ.get("PDF_STORAGE_DIR") or str(BASE_DIR / "var" / "pdfs")}
        if not os.environ.get("PDF_STORAGE_BACKEND")
        else {},
    },
    "defense_attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": PRIVATE_MEDIA_ROOT,
            "base_url": "/no-public-url/",
            # Readable by the application's user only.
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Every form's plain widgets (input, select, textarea) written in Python, the same markup as
# Django's widget templates (tests/test_widget_rendering.py): a select of fifty deputies is
# fifty-two template renders otherwise. Any other widget template goes to Django's renderer.
FORM_RENDERER = "cases.widget_rendering.WidgetRenderer"

# The cache holds what every process on every server must agree on: the API's rate limits (per
# token, cases.api.auth.PerTokenThrottle through DRF's throttling, and unknown tokens per client
# address, cases.api.auth). A per-process local-memory cache would give each gunicorn worker on
# each server its own count, multiplying the limit. So it lives in PostgreSQL (or SQLite) by
# default, in a table created by migration 0024, and in Redis when CACHE_URL names one
# (redis://127.0.0.1:6379/1: faster, for several servers).
# Sessions are in the database (Django's default engine), and so is the log-in lockout
# (django-axes' database handler): nothing a user needs stays on one server (docs/deployment.md).
CACHE_TABLE = "considered_cache"


def cache_from_url(url):
    if not url:
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// or rediss:// URL, not {url!r}")


CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", ""))}

# Sessions: server-side. The idle and absolute limits are the middleware's
# (cases.sessions.SessionLimitsMiddleware), which tells the user which limit ended the session.
# The store keeps a session up to the absolute limit as a backstop: were it to expire sessions at
# the idle limit, the middleware would never see an idle one, and the user would be sent to log
# in without being told why.
# Django's database sessions, the row read with SQL compiled once per process (issue 19).
SESSION_ENGINE = "cases.session_store"
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# Not every request: cases.sessions stamps the session (and so saves it and renews the cookie)
# at most once a minute, which spares a session write on almost every request under load.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Requests and fields are capped so that nobody can post a novel into a form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp 4: one dict. No 'unsafe-inline' anywhere: templates carry no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap's CSS draws its icons as data: SVG
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# No personal data in logs: every handler drops the request (and so its GET and POST data) and
# PostgreSQL's DETAIL lines (cases.logfilters); SQL with its parameters is never logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"drop_request_data": {"()": "cases.logfilters.DropRequestData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["drop_request_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # Replaces Django's own handlers (mail_admins prints request data) with the filtered one.
        "django": {"level": "INFO", "handlers": [], "propagate": True},
        "django.db.backends": {"level": "INFO", "propagate": True},
        "axes": {"level": "WARNING"},
    },
}

# --- The API for the office's case management system (cases.api, docs/api.md) ------------------
# Service tokens only: no session or basic authentication, so no CSRF exposure and no browsable
# pages. JSON in and out. Each token is rate-limited on its own (429 with Retry-After).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["cases.api.auth.ServiceTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["cases.api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["cases.api.auth.PerTokenThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/min")
# Unknown tokens allowed per client address in a window (seconds) before every call from that
# address gets 429 until the window ends: far above a misconfigured integration's retries, far
# below what guessing needs.
API_AUTH_FAILURE_LIMIT = (20, 600)
SPECTACULAR_SETTINGS = {
    "TITLE": "Considered API",
    "DESCRIPTION": "For the office's case management system: create or update cases, read their "
    "§ 1016.3(b) consideration status, fetch signed worksheets and poll for changes. "
    "Authenticate with `Authorization: Bearer <service token>` (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# --- The job queue (config/celery.py, cases.pdf_jobs) -------------------------------------------
# Unset: no queue; a signed worksheet's PDF is rendered at its first download. Set it to a Redis
# or RabbitMQ URL (redis://127.0.0.1:6379/0, amqp://guest:guest@127.0.0.1:5672//) and run
# `celery -A config worker` to render it right after signing, off the request path.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a render is long: one at a time per worker process
# A broker that is down must not hold up signing: one quick try, then the download renders.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
}
