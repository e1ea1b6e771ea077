"""Convene settings: one module, every value from an environment variable with a safe default.

The embedded defaults (SQLite, no broker, mail to files) need no configuration at all;
production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and CELERY_BROKER_URL.
.env.example lists every variable.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=0 Convene refuses to start without one: "
            "set SECRET_KEY in the environment (see .env.example)."
        )
    # Development only: a random key kept in an ignored file so sessions survive restarts.
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "config",  # the project's own commands (run_schedule)
    "accounts",
    "contacts",
    "segments",
    "forms_builder",
    "campaigns",
    "emails",
    "gotoplugins",
    "gotoplugins.emulator",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

_database_url = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'convene.sqlite3'}"
DATABASES = {"default": env.db_url_config(_database_url)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if not DEBUG and "conn_max_age" not in _database_url:
    # Opening a connection costs more than most requests' queries: keep it (checked before
    # reuse) unless DATABASE_URL says otherwise. Not with DEBUG: runserver's thread per request
    # would only leave connections behind.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while an import task writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "contacts:list"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Mail: files under var/mail by default (the embedded mode's outbox); smtp://… in production.
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
    EMAIL_PORT = _email.get("EMAIL_PORT") or 25
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Convene <convene@localhost>")

# Cache. The public forms' per-IP rate limit and GoTo's 10 calls a second per account count
# in it. Unset: each process's own memory (limits per process); redis://… shares it between
# processes, as production should.
CACHES = {"default": env.cache_url_config(env.str("CACHE_URL", default="") or "locmemcache://")}

# Celery: without a broker every task runs inline in the calling process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE

# Contacts CSV import.
CONTACT_IMPORT_MAX_BYTES = env.int("CONTACT_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# GoTo. With GOTO_EMULATOR=1 (the default in development) the local GoTo emulator, mounted at
# /goto-emulator/ on this site, answers instead of GoTo, so everything works offline.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
GOTO_EMULATOR = env.bool("GOTO_EMULATOR", default=DEBUG)
_goto_emulator_url = f"{SITE_URL}/goto-emulator"
GOTO_AUTH_BASE_URL = env.str(
    "GOTO_AUTH_BASE_URL",
    default=_goto_emulator_url if GOTO_EMULATOR else "https://authentication.logmeininc.com",
).rstrip("/")
GOTO_API_BASE_URL = env.str(
    "GOTO_API_BASE_URL",
    default=_goto_emulator_url if GOTO_EMULATOR else "https://api.getgo.com",
).rstrip("/")
# The GoTo sync (see gotoplugins/sync.py and the README's "Syncing with GoTo").
# People GoTo knows but Convene does not become contacts (0: they are skipped).
GOTO_SYNC_CREATE_CONTACTS = env.bool("GOTO_SYNC_CREATE_CONTACTS", default=True)
# How far back and ahead the catalogue is read on a first or --full run.
GOTO_SYNC_PAST_DAYS = env.int("GOTO_SYNC_PAST_DAYS", default=365)
GOTO_SYNC_FUTURE_DAYS = env.int("GOTO_SYNC_FUTURE_DAYS", default=365)
# Registrants and attendees are re-read for upcoming events and those that ended this recently.
GOTO_SYNC_RECENT_DAYS = env.int("GOTO_SYNC_RECENT_DAYS", default=7)
# Incremental runs start this long before the previous successful run, to miss nothing.
GOTO_SYNC_OVERLAP_MINUTES = env.int("GOTO_SYNC_OVERLAP_MINUTES", default=60)
# Celery beat runs the sync every this many minutes.
GOTO_SYNC_INTERVAL_MINUTES = env.int("GOTO_SYNC_INTERVAL_MINUTES", default=15)

# Celery beat rebuilds every published segment every this many minutes.
SEGMENTS_REBUILD_INTERVAL_MINUTES = env.int("SEGMENTS_REBUILD_INTERVAL_MINUTES", default=15)

# Public forms (forms_builder/protection.py): posts allowed per visitor address and window,
# and how long a form page may stay open before its post is refused as stale.
FORMS_RATE_LIMIT = env.int("FORMS_RATE_LIMIT", default=60)
FORMS_RATE_LIMIT_PERIOD = env.int("FORMS_RATE_LIMIT_PERIOD", default=600)
FORMS_TOKEN_MAX_AGE = env.int("FORMS_TOKEN_MAX_AGE", default=2 * 24 * 3600)
# Behind a proxy every post comes from the proxy's address: the visitor's is in the header the
# proxy adds (X-Forwarded-For, appended to), counted from the right past FORMS_PROXY_HOPS - 1
# other proxies of ours. Empty: REMOTE_ADDR. Default behind BEHIND_TLS_PROXY: X-Forwarded-For.
FORMS_CLIENT_IP_HEADER = env.str(
    "FORMS_CLIENT_IP_HEADER",
    default="X-Forwarded-For" if env.bool("BEHIND_TLS_PROXY", default=False) else "",
)
FORMS_PROXY_HOPS = env.int("FORMS_PROXY_HOPS", default=1)

# Key for encrypting GoTo secrets and tokens at rest (Fernet). Default: derived from SECRET_KEY.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")

# Security. Production (DEBUG=0) gets secure cookies, HSTS and an HTTPS redirect by default;
# each can be turned off when a proxy in front handles it.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own default config also prints to the console: without this, twice.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
