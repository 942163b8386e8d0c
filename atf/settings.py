"""Settings for the All Together Fairer application, read from the environment.

Every value that differs between a laptop and production comes from an
environment variable. Bad or missing values fail loudly at start-up instead of
falling back to something unsafe.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
# With no SECRET_KEY and no DEBUG given, this is a developer's machine (plain
# `manage.py check` works on a fresh clone); a deployment sets SECRET_KEY and so
# runs with DEBUG off unless it says otherwise. DEBUG off without a key is refused.
DEBUG = env_bool("DEBUG", default=not SECRET_KEY)

if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long "
            "random string (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
            "or set DEBUG=true for local development."
        )
    # Only reachable with DEBUG on: a key for a developer's own machine.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "django_tables2",
    "django_filters",
    "axes",
    "csp",
    "atf",
    "boroughs",
    "commissions",
    "stocktake",
    "indicators",
    "notifications",
    "jobs",
    "calendars",
    # Django REST framework itself is not an installed app: its browsable API's templates and static
    # files are not used (the API answers JSON and CSV only), so none of them is published.
    "api",
    "drf_spectacular",
    "papers",
    "opendata",
    "search",
    # Background work: Django's tasks framework (backported), with its tasks kept in the database.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every response carries it (the health checks are answered before the session).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response, static files included.
    "csp.middleware.CSPMiddleware",
    "atf.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # /healthz and /readyz, answered before any session is read or saved.
    "atf.health.HealthCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view needs a signed-in user unless it opts out: a forgotten
    # decorator fails closed.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Reads a form post's fields before any view does: one past Django's limits gets a page saying so (413).
    "atf.middleware.RequestLimitsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A write that still finds the database busy gets a page saying to try again, not a 500.
    "atf.middleware.BusyDatabaseMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "atf.urls"
WSGI_APPLICATION = "atf.wsgi.application"

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
            ],
        },
    },
]


def _database_config() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        VAR_DIR.mkdir(exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'atf.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django understands: {exc}") from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # One writer at a time is SQLite's rule: wait for the lock instead of failing. A transaction
        # takes the write lock when it begins (IMMEDIATE), so that two that read and then write cannot
        # deadlock and fail at once with "database is locked"; WAL lets readers go on meanwhile.
        options = config.setdefault("OPTIONS", {})
        options["timeout"] = 20
        options["transaction_mode"] = "IMMEDIATE"
        options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A working day of inactivity ends the session; each request extends it.
SESSION_COOKIE_AGE = int(timedelta(hours=8).total_seconds())
SESSION_SAVE_EVERY_REQUEST = True

# Sign-in throttling (atf/signin.py): from the fifth failure for one user
# name from one address, that pair waits a minute, doubling with each further
# failure up to fifteen minutes. Failures are counted within a day.
AXES_FAILURE_LIMIT = "atf.signin.failure_limit"
AXES_COOLOFF_TIME = timedelta(days=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try while held back (the right password included) neither counts nor extends the wait.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "atf.signin.lockout_response"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# The NHS.UK design system comes from npm (package.json). `make install` runs `npm ci` and then
# scripts/build-static, which puts the few files the pages use (the styles built without the web
# font from another host, the script, the icons) in build/nhsuk/: only those are published.
# atf/checks.py refuses to start when they are missing.
NHSUK_FRONTEND = BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
NHSUK_BUILD = BASE_DIR / "build" / "nhsuk"
STATICFILES_DIRS = [BASE_DIR / "static"] + ([("nhsuk", NHSUK_BUILD)] if NHSUK_BUILD.exists() else [])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploaded workbooks are kept here under names the server chooses.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Workbooks are small (the real one is 40 kB); anything far larger is refused
# before it is read. A file past atf.limits.MAX_UPLOAD_BYTES is refused as it
# arrives, never written to disk (atf/uploadhandler.py); text fields past
# DATA_UPLOAD_MAX_MEMORY_SIZE get a 413 page (atf.middleware.RequestLimitsMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "atf.uploadhandler.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# Production hardening: on whenever DEBUG is off. Behind a proxy that ends TLS,
# set SECURE_PROXY_SSL_HEADER_NAME (e.g. HTTP_X_FORWARDED_PROTO).
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # A load balancer's health checks (atf/health.py) may come over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if os.environ.get("SECURE_PROXY_SSL_HEADER_NAME"):
        SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER_NAME"], "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): everything from this server only, no inline script or
# style anywhere (templates/base.html loads its two scripts from static/atf/), no plugins, no
# framing, forms posting only here. One style attribute is allowed, by its hash alone: the
# admin's history page (django-simple-history) writes style="border-top: 0".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_HASHES, "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Permissions-Policy (atf/security.py): no page uses these browser features, so none may.
PERMISSIONS_POLICY = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "usb",
    "xr-spatial-tracking",
]

# Every record is written once, by the root logger's console handler. Django's own default
# configuration gives the "django" logger a console handler of its own (shown with DEBUG on), and
# its records go on to the root as well, so each would appear twice: here "django" has no handler
# and passes its records up. "django.server" (runserver's request lines) keeps Django's handler
# and format, and does not pass them up.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": True},
        "axes": {"level": "WARNING"},
    },
}

# Email, configured from the environment with Django's own setting names. With EMAIL_HOST set, mail goes
# to that SMTP server; without it, to the console, so that under `make run` a developer reads the mails
# in the terminal.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "All Together Fairer <no-reply@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
# How long a password reset link works: a day.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60 * 24)))

# Where the application is reached, for the links in mails and calendar feeds (which are read outside any
# request). Without it, links are made for http://localhost:8000, as under `make run`.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

# Background work (mail, large imports and exports): tasks are kept in the database and run by
# `manage.py db_worker` (started by `make run` beside the web server), so no other server is needed.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Exports (the entries, a round's workbook, indicator values) of more rows than this are written by a
# background job whose page shows its progress and then offers the file; smaller ones download at once.
JOBS_EXPORT_ROWS = int(os.environ.get("JOBS_EXPORT_ROWS", "5000"))

# The read API (/api/v1/): personal access tokens (Authorization: Bearer) or the site's session, read-only,
# every resource through the tenant rule (api/views.py). JSON or CSV, in pages with a `next` link.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "api.renderers.CSVRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": False,
    "EXCEPTION_HANDLER": "api.views.exception_handler",
}
# Requests per token (or per signed-in user) allowed, as "<number>/<second|minute|hour|day>".
API_RATE = os.environ.get("API_RATE", "600/minute")
# Active tokens a person may hold at once.
API_TOKENS_PER_USER = int(os.environ.get("API_TOKENS_PER_USER", "10"))
SPECTACULAR_SETTINGS = {
    "TITLE": "All Together Fairer API",
    "DESCRIPTION": (
        "Read-only access to the stocktake, the framework, beacon indicator values and the commissions, "
        "as the signed-in user or the owner of a personal access token may see them."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_error_responses",
    ],
    # One name per choice set in the schema, where several models call theirs "status" or "kind".
    "ENUM_NAME_OVERRIDES": {
        "RoundStatusEnum": "stocktake.models.Round.Status",
        "ReturnStatusEnum": "stocktake.models.Return.Status",
        "MeetingStatusEnum": "commissions.models.Meeting.Status",
        "ActionStatusEnum": "commissions.models.Action.Status",
        "PlaceKindEnum": "boroughs.models.Place.Kind",
        "CommissionKindEnum": "commissions.models.Commission.Kind",
        "MeetingKindEnum": "commissions.models.Meeting.Kind",
    },
}
