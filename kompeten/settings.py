"""Kompeten settings. Everything that differs between machines comes from environment variables."""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kompeten.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("KOMPETEN_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; otherwise one generated once and kept under ./var/."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
# The reverse proxies (nginx) whose X-Real-IP header gives the client's address (kompeten/core/middleware.py).
KOMPETEN_TRUSTED_PROXIES = env_list("KOMPETEN_TRUSTED_PROXIES", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static",  # 2FA: TOTP, recovery codes
    "django_tasks",
    "django_tasks_db",
    "ninja",  # django-ninja: its Swagger UI files are served from here, not from a CDN
    "kompeten.core",
    "kompeten.audit",
    "kompeten.accounts",
    "kompeten.reference",
    "kompeten.programmes",
    "kompeten.assessment",
    "kompeten.apprenticeships",
    "kompeten.registry",
    "kompeten.training",
    "kompeten.selection",
    "kompeten.certificates",
    "kompeten.jobs",
    "kompeten.reporting",
    "kompeten.linkage",
    "kompeten.privacy",
    "kompeten.api",
]

MIDDLEWARE = [
    "kompeten.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kompeten.core.security.SecurityHeadersMiddleware",  # CSP, Permissions-Policy, no-store for personal data
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kompeten.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kompeten.accounts.middleware.StaffIdleTimeoutMiddleware",
    "kompeten.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kompeten.urls"
WSGI_APPLICATION = "kompeten.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kompeten.accounts.context_processors.roles",
            ],
        },
    },
]

# Database: SQLite file under ./var/ by default, DATABASE_URL for PostgreSQL.
_default_db = f"sqlite:///{VAR_DIR / 'kompeten.sqlite3'}"
# Persistent connections are checked before each request reuses them (CONN_HEALTH_CHECKS), so after a database
# restart or failover the app reconnects by itself: no request fails on a dead connection kept from before.
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db),
                                              conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "kompeten.accounts.backends.EmailOrPhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Login throttling (django-axes): 5 failures for one login name -> wait.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

# Authentication: 2FA and rate limits
# Staff (operators, assessors, LSP managers, province admins) must pass a TOTP code after the password; company users
# and job seekers may opt in. Off only for a demo server (kompeten demo), never in production.
KOMPETEN_2FA_REQUIRED = env_bool("KOMPETEN_2FA_REQUIRED", True)
# Also treat a staff session as unverified when no Kompeten login step marked it (sessions made by login() elsewhere).
KOMPETEN_2FA_STRICT_SESSIONS = env_bool("KOMPETEN_2FA_STRICT_SESSIONS", False)
OTP_TOTP_ISSUER = "Kompeten"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# {name: (events, seconds)} overrides of the limits in kompeten/accounts/ratelimits.py; the counts are kept in this
# cache alias, which must be shared by all server processes in production.
KOMPETEN_RATE_LIMITS: dict[str, tuple[int, int]] = {}
KOMPETEN_RATELIMIT_CACHE = env_str("KOMPETEN_RATELIMIT_CACHE", "default")
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link works for one hour

# Staff sessions end after this many idle minutes; job seekers keep the browser session.
STAFF_IDLE_TIMEOUT_MINUTES = env_int("STAFF_IDLE_TIMEOUT_MINUTES", 30)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "id"
# Dates and numbers per language: "27 November 2026", "1.500" / "1,500" (kompeten/formats/).
FORMAT_MODULE_PATH = ["kompeten.formats"]
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Makassar")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("KOMPETEN_MANIFEST_STATIC", True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploaded files (a job seeker's documents) are personal data: kept in a private folder that no URL serves
# (there is no MEDIA_URL route); they leave only through views that check access and audit.
MEDIA_ROOT = Path(env_str("KOMPETEN_MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 5 * 1024 * 1024)

# Seats are counted under a row lock of the batch (docs/algorithms/locking.md). Only the race
# test's negative control turns this off, to prove that the test detects overbooking.
KOMPETEN_SEAT_LOCK = True

# Assessment (uji kompetensi): candidates one assessor may assess on one day, and the days after the
# LSP's decision during which a candidate may appeal (FR.AK.04).
KOMPETEN_ASSESSOR_DAILY_LIMIT = env_int("KOMPETEN_ASSESSOR_DAILY_LIMIT", 10)
KOMPETEN_APPEAL_DAYS = env_int("KOMPETEN_APPEAL_DAYS", 14)

# The provincial manpower office: it approves apprenticeship programmes and signs certificates of apprenticeship.
KOMPETEN_OFFICE_NAME = env_str("KOMPETEN_OFFICE_NAME",
                               "Dinas Tenaga Kerja dan Transmigrasi Provinsi Kalimantan Timur")
KOMPETEN_OFFICE_CODE = env_str("KOMPETEN_OFFICE_CODE", "dnk-kaltim")  # short: it is in every QR code
KOMPETEN_OFFICE_PROVINCE = env_str("KOMPETEN_OFFICE_PROVINCE", "64")  # Kemendagri code of the province

# Certificates: the address printed in every QR code (the public verification page is {BASE_URL}/v), and the
# folder of the issuers' private signing keys (created 0700, files 0600; never in the database or a fixture).
KOMPETEN_BASE_URL = env_str("KOMPETEN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
KOMPETEN_KEY_DIR = Path(env_str("KOMPETEN_KEY_DIR", str(VAR_DIR / "keys"))).resolve()

# Background tasks (django-tasks): the database backend; run workers with `kompeten db_worker`.
TASKS = {"default": {"BACKEND": env_str("KOMPETEN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Imports: size limits against hostile files.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Security headers; production (DEBUG off) gets the strict transport settings.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No script reads the CSRF cookie: pages and htmx take the token from the page (base.html hx-headers).
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Content-Security-Policy (kompeten/core/security.py; the shape of Django 6's SECURE_CSP). Every script is a
# static file (no inline script, no event handler attribute), so script-src has no 'unsafe-inline'; style
# attributes (widths of progress bars) are allowed, <style> elements are not. Bootstrap's icons are data: URIs.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
if not DEBUG and env_bool("KOMPETEN_HTTPS", True):
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Notifications: e-mail through Django's backends (the console unless configured), SMS / WhatsApp
# through an adapter class with send(phone, text) (kompeten.selection.notifications).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kompeten <noreply@kompeten.invalid>")
KOMPETEN_SMS_BACKEND = env_str("KOMPETEN_SMS_BACKEND", "kompeten.selection.notifications.ConsoleSMS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # NIKs, phone numbers and API tokens are masked in what the console writes (a safety net: nothing may log them).
    "formatters": {"redacted": {"()": "kompeten.core.security.RedactingFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "redacted"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
