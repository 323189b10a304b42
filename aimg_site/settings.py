"""Settings for every environment, read from environment variables (12-factor).

Every production difference is an environment variable (see the README's
configuration table). Bad values fail at start-up with ImproperlyConfigured.
``aimg_site.test_settings`` is the small override the test suite uses.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
VAR_DIR = Path(env.str("AIMG_VAR_DIR", default=str(BASE_DIR / "var")))
# Embedded defaults (SQLite, mail files, media, the folder broker) live under var/.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
#: Keys anyone can read in this repository, and the shortest key accepted in production.
INSECURE_SECRET_KEYS = frozenset({DEV_SECRET_KEY, "change-me-in-production"})
MIN_SECRET_KEY_LENGTH = 32
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
# ``aimg_site.wsgi`` (the production server) turns AIMG_REQUIRE_SECRET_KEY on unless told otherwise;
# management commands and the test suite keep the development key.
if (
    not DEBUG
    and env.bool("AIMG_REQUIRE_SECRET_KEY", default=False)
    and (SECRET_KEY in INSECURE_SECRET_KEYS or len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH)
):
    raise ImproperlyConfigured(
        f"SECRET_KEY must be set to a private random value of at least {MIN_SECRET_KEY_LENGTH} "
        "characters in production (AIMG_REQUIRE_SECRET_KEY is on)."
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost", "testserver", ".sexy.ai", ".freejourney.ai"],
)

INSTALLED_APPS = [
    # First, so that its createsuperuser (which binds a domain) replaces Django's.
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served offline (aimg_site.api.docs)
    "corsheaders",
    "allauth",
    # allauth.account, minus its demand that its middleware be in MIDDLEWARE (see aimg_site.browser).
    "aimg_site.browser.AllauthAccountConfig",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.discord",
    "allauth.socialaccount.providers.github",
    "aimg_site.core",
    "aimg_site.studio",  # the page at / (with DEBUG or AIMG_STUDIO); calls the public API only
    "billing",
    "library",
    "moderation",
    "generation",
    "integrations",
    "aimg_site.technical",
]

MIDDLEWARE = [
    "aimg_site.api.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "aimg_site.api.middleware.RequestSizeLimitMiddleware",
    "aimg_site.api.middleware.DomainMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Runs AIMG_BROWSER_MIDDLEWARE on AIMG_BROWSER_PATH_PREFIXES only: the API never uses cookies.
    "aimg_site.browser.BrowserMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# What the admin console and the OAuth round trip (allauth's state in the cookie session) need.
AIMG_BROWSER_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
AIMG_BROWSER_PATH_PREFIXES = ("/console/", "/auth/", "/accounts/")

ROOT_URLCONF = "aimg_site.urls"
APPEND_SLASH = False
WSGI_APPLICATION = "aimg_site.wsgi.application"

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

# --- Database -----------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("AIMG_DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The same backend, whose health check skips connections used a moment ago (one round trip less).
    DATABASES["default"]["ENGINE"] = "aimg_site.db.postgresql"
    # The ORM binds parameters on the client (Django's default). The hot reads are
    # ``aimg_site.core.prepared.PreparedQuery`` statements: those alone bind on the server, are
    # prepared on first use (threshold 0: only their cursors bind on the server) and run with one
    # generic plan, so PostgreSQL stops planning them on every request, which cost it more than
    # running them (bench/http.py; docs/decisions.md, "Generic plans for the prepared reads").
    # Behind a pooler that cannot keep prepared statements or startup options, set
    # AIMG_DB_PREPARED_STATEMENTS=false.
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    if env.bool("AIMG_DB_PREPARED_STATEMENTS", default=True) and not _db_options.get("server_side_binding"):
        _db_options.setdefault("prepare_threshold", 0)
        _db_options.setdefault("options", "-c plan_cache_mode=force_generic_plan")
    else:
        _db_options["prepare_threshold"] = None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer (the embedded worker, web threads and processes
    # share the file). A deferred transaction that reads and then writes fails at once with
    # "database is locked" when another connection writes meanwhile (SQLite cannot wait there);
    # BEGIN IMMEDIATE takes the write lock first, so writers queue for up to the busy timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker ------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Django's Redis backend, reusing its clients (aimg_site.cache).
    # AIMG_CACHE_KEY_PREFIX: for deployments (or test processes) sharing one Redis; every process of
    # one deployment (web, workers, beat) must use the same prefix, since the generation queue
    # index and the session cache live under it.
    CACHES = {
        "default": {
            "BACKEND": "aimg_site.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("AIMG_CACHE_KEY_PREFIX", default=""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aimg"}}

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("AIMG_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_TASK_TIME_LIMIT = env.int("AIMG_TASK_TIME_LIMIT", default=600)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("AIMG_CELERY_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
# The queue tasks go to, and that a worker started without -Q consumes (tests that start worker
# processes give them the queue of their own test process).
CELERY_TASK_DEFAULT_QUEUE = env.str("AIMG_CELERY_QUEUE", default="celery")
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "purge-expired-sessions": {"task": "core.purge_expired_sessions", "schedule": 6 * 60 * 60},
    "purge-expired-otps": {"task": "accounts.purge_expired_otps", "schedule": 60 * 60},
    "fold-library-counts": {"task": "library.fold_library_counts", "schedule": 10 * 60},
    "reclaim-generation-jobs": {
        "task": "generation.reclaim_jobs",
        "schedule": env.float("AIMG_GENERATION_RECLAIM_SECONDS", default=5.0),
    },
    "expire-subscriptions": {"task": "billing.expire_subscriptions", "schedule": 5 * 60},
    "sync-boosty-subscriptions": {"task": "billing.sync_boosty_subscriptions", "schedule": 60 * 60},
    "renew-card-subscriptions": {"task": "billing.renew_card_subscriptions", "schedule": 10 * 60},
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # With acks_late the visibility timeout must exceed the longest task (hard limit).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": max(3600, CELERY_TASK_TIME_LIMIT * 2)}
else:
    # Embedded default: a folder-backed queue shared by the web and worker processes.
    _broker_dir = VAR_DIR / "celery"
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

# --- Email ----------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Embedded default: each email is a file under var/mail/ (set directly: django-environ's
    # filemail:// URL loses the leading slash of an absolute path).
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# Sender of each site's mail (aimg_site.core.selectors.domain_sender): {domain} and {display_name}
# come from the domain's row, so sexy.ai's codes come from sexy.ai. DEFAULT_FROM_EMAIL, when set,
# is one fixed sender for every site instead (what it meant before), and Django's own fallback.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="AIMG <no-reply@freejourney.ai>")
AIMG_FROM_EMAIL = env.str(
    "AIMG_FROM_EMAIL", default=env.str("DEFAULT_FROM_EMAIL", default="{display_name} <no-reply@{domain}>")
)

# --- Files ----------------------------------------------------------------------
AIMG_STORAGE = env.str("AIMG_STORAGE", default="local")
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
if AIMG_STORAGE == "local":
    _default_storage: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif AIMG_STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default="aimg"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            "default_acl": None,
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=True),
            # Presigned URLs (every private item's media): SigV4, which every region accepts.
            "signature_version": env.str("AWS_S3_SIGNATURE_VERSION", default="s3v4"),
            # The host (and path) browsers reach the bucket at, when it is not the endpoint,
            # e.g. "media.freejourney.ai" or "localhost:8333/aimg"; publicly visible items' URLs
            # are then unsigned (the CDN in front must read the bucket), other items' stay signed
            # at the endpoint (library.items.media).
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default=None),
            "url_protocol": env.str("AWS_S3_URL_PROTOCOL", default="https:"),
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"AIMG_STORAGE must be 'local' or 's3', not {AIMG_STORAGE!r}.")
# Media URLs (library.items.media): publicly visible items' media are cacheable by anyone for
# AIMG_MEDIA_PUBLIC_MAX_AGE seconds (the longest a copy cached before a take-down outlives it);
# every other item's are signed URLs that work AIMG_MEDIA_SIGNED_URL_SECONDS. On S3, publicly
# visible items' URLs are signed too, for AIMG_MEDIA_PUBLIC_URL_SECONDS (at most 7 days, SigV4).
AIMG_MEDIA_PUBLIC_MAX_AGE = env.int("AIMG_MEDIA_PUBLIC_MAX_AGE", default=3600)
AIMG_MEDIA_SIGNED_URL_SECONDS = env.int("AIMG_MEDIA_SIGNED_URL_SECONDS", default=3600)
AIMG_MEDIA_PUBLIC_URL_SECONDS = env.int("AIMG_MEDIA_PUBLIC_URL_SECONDS", default=24 * 3600)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Request limits -------------------------------------------------------------
# JSON bodies (a profile picture is at most 1 MB, about 1.4 MB as base64).
AIMG_MAX_JSON_BYTES = env.int("AIMG_MAX_JSON_BYTES", default=4 * 1024 * 1024)
# Multipart uploads (uploadFile).
AIMG_MAX_UPLOAD_BYTES = env.int("AIMG_MAX_UPLOAD_BYTES", default=100 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = AIMG_MAX_JSON_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Technical endpoints (aimg_site/technical) ------------------------------------
# The file server: the largest file uploadFile takes (413 above, counted while streaming).
AIMG_MAX_FILE_BYTES = env.int("AIMG_MAX_FILE_BYTES", default=AIMG_MAX_UPLOAD_BYTES)
# getFile checks files up to this size before sending a byte; larger ones stream while hashed.
AIMG_FILE_PREVERIFY_BYTES = env.int("AIMG_FILE_PREVERIFY_BYTES", default=8 * 1024 * 1024)
# Resizing: the largest source (bytes, pixels) getFile resizes; more is a 400.
AIMG_FILE_MAX_RESIZE_SOURCE_BYTES = env.int("AIMG_FILE_MAX_RESIZE_SOURCE_BYTES", default=50 * 1024 * 1024)
AIMG_FILE_MAX_SOURCE_PIXELS = env.int("AIMG_FILE_MAX_SOURCE_PIXELS", default=50_000_000)
# getFile?fs=true: the legacy file server (empty: none), and the caps on what it answers.
AIMG_LEGACY_FILE_SERVER_URL = env.str("AIMG_LEGACY_FILE_SERVER_URL", default="")
AIMG_LEGACY_FILE_MAX_BYTES = env.int("AIMG_LEGACY_FILE_MAX_BYTES", default=50 * 1024 * 1024)
AIMG_LEGACY_FILE_SECONDS = env.float("AIMG_LEGACY_FILE_SECONDS", default=20.0)
# Resized legacy files kept in storage: for how long, and how many at most.
AIMG_LEGACY_RENDITION_SECONDS = env.int("AIMG_LEGACY_RENDITION_SECONDS", default=7 * 24 * 3600)
AIMG_LEGACY_RENDITION_MAX = env.int("AIMG_LEGACY_RENDITION_MAX", default=10_000)
if AIMG_LEGACY_FILE_SERVER_URL and urlsplit(AIMG_LEGACY_FILE_SERVER_URL).scheme not in ("http", "https"):
    raise ImproperlyConfigured("AIMG_LEGACY_FILE_SERVER_URL must be an http(s) URL.")
# pgQuery's own PostgreSQL role (manage.py pgquery_role creates it); host and port default to DATABASE_URL's.
AIMG_PGQUERY_USER = env.str("AIMG_PGQUERY_USER", default="aimg_pgquery")
AIMG_PGQUERY_PASSWORD = env.str("AIMG_PGQUERY_PASSWORD", default="")
AIMG_PGQUERY_HOST = env.str("AIMG_PGQUERY_HOST", default="")
AIMG_PGQUERY_PORT = env.str("AIMG_PGQUERY_PORT", default="")
AIMG_PGQUERY_TIMEOUT_MS = env.int("AIMG_PGQUERY_TIMEOUT_MS", default=5000)
AIMG_PGQUERY_MAX_ROWS = env.int("AIMG_PGQUERY_MAX_ROWS", default=1000)
AIMG_PGQUERY_MAX_BYTES = env.int("AIMG_PGQUERY_MAX_BYTES", default=5 * 1024 * 1024)

# --- Identity -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Only our backend: allauth's own (email + password) ignores deleted and banned accounts, and its
# OAuth flow never logs a browser in here (``accounts.oauth.adapters`` answers with a redirect).
AUTHENTICATION_BACKENDS = ["accounts.backends.DomainEmailBackend"]
# USERNAME_FIELD is the email, unique per domain (a UniqueConstraint), not globally.
SILENCED_SYSTEM_CHECKS = ["auth.E003", "auth.W004"]
# The admin's middleware checks look in MIDDLEWARE; aimg_site.browser checks AIMG_BROWSER_MIDDLEWARE.
SILENCED_SYSTEM_CHECKS += ["admin.E408", "admin.E409", "admin.E410"]
AUTH_PASSWORD_VALIDATORS: list[dict] = []  # the reference's own rule lives in accounts.signin.passwords

AIMG_DEFAULT_DOMAIN = env.str("AIMG_DEFAULT_DOMAIN", default="freejourney.ai")
AIMG_SESSION_IDLE_DAYS = env.int("AIMG_SESSION_IDLE_DAYS", default=30)
# Reads refresh a session's last-seen time at most this often.
AIMG_SESSION_TOUCH_SECONDS = env.int("AIMG_SESSION_TOUCH_SECONDS", default=300)
# A new password or email (setSelfUserProperties) needs a session signed in this recently.
AIMG_RECENT_SIGN_IN_MINUTES = env.int("AIMG_RECENT_SIGN_IN_MINUTES", default=15)
# Seconds what a session id resolves to is cached (accounts.sessions.cache forgets it on every change).
AIMG_SESSION_CACHE_SECONDS = 30


def _parse_proxies(values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"AIMG_TRUSTED_PROXIES: {value!r} is not an address or CIDR.") from exc
    return networks


AIMG_TRUSTED_PROXIES = _parse_proxies(env.list("AIMG_TRUSTED_PROXIES", default=[]))

# --- Billing (the billing app) -----------------------------------------------------
# Secrets stored encrypted at rest (aimg_site.core.encryption: Boosty cookies, Scenario credentials): comma-separated Fernet keys, the
# first encrypts, every one decrypts (rotation). Unset: derived from SECRET_KEY (development only).
from aimg_site.core.encryption import parse_keys as _parse_encryption_keys  # noqa: E402

AIMG_ENCRYPTION_KEYS = _parse_encryption_keys(env.str("AIMG_ENCRYPTION_KEY", default=""))
# The processor behind merchantProcessor "arkpay": "sandbox" (test cards, the default unless
# AIMG_REQUIRE_SECRET_KEY marks production), "disabled" (card payments answer 503) or "arkpay".
AIMG_CARD_PROCESSOR = env.str(
    "AIMG_CARD_PROCESSOR",
    default="disabled" if env.bool("AIMG_REQUIRE_SECRET_KEY", default=False) and not DEBUG else "sandbox",
)
if AIMG_CARD_PROCESSOR == "arkpay":
    raise ImproperlyConfigured(
        "AIMG_CARD_PROCESSOR=arkpay: ArkPay's API is not public and no adapter is written against its "
        "documentation yet, so nothing could charge a card. Use 'sandbox' (test cards) or 'disabled'."
    )
if AIMG_CARD_PROCESSOR not in ("sandbox", "disabled"):
    raise ImproperlyConfigured(
        f"AIMG_CARD_PROCESSOR must be 'sandbox', 'disabled' or 'arkpay', not {AIMG_CARD_PROCESSOR!r}."
    )
# A retried card payment for the same user and product within this many seconds is not charged again.
AIMG_CARD_IDEMPOTENCY_SECONDS = env.int("AIMG_CARD_IDEMPOTENCY_SECONDS", default=600)
# Boosty's API (the client of billing.boosty.client); tests point it at their own server.
AIMG_BOOSTY_API_URL = env.str("AIMG_BOOSTY_API_URL", default="https://api.boosty.to")

AIMG_GENERATION_BACKEND = env.str("AIMG_GENERATION_BACKEND", default="local")
if AIMG_GENERATION_BACKEND not in ("local", "comfyui"):
    raise ImproperlyConfigured("AIMG_GENERATION_BACKEND must be 'local' or 'comfyui'.")
COMFYUI_URL = env.str("COMFYUI_URL", default="")
# ComfyUI client (generation/backends/comfyui.py): seconds per HTTP request, between polls, per prompt.
COMFYUI_REQUEST_TIMEOUT = env.float("COMFYUI_REQUEST_TIMEOUT", default=10.0)
COMFYUI_POLL_SECONDS = env.float("COMFYUI_POLL_SECONDS", default=0.5)
COMFYUI_JOB_TIMEOUT = env.float("COMFYUI_JOB_TIMEOUT", default=500.0)
# Follow progress over ComfyUI's /ws websocket (falls back to polling /history when it cannot connect).
COMFYUI_WEBSOCKET = env.bool("COMFYUI_WEBSOCKET", default=True)
AIMG_LOCAL_SECONDS_PER_STEP = env.float("AIMG_LOCAL_SECONDS_PER_STEP", default=0.0)
if AIMG_LOCAL_SECONDS_PER_STEP < 0:
    raise ImproperlyConfigured("AIMG_LOCAL_SECONDS_PER_STEP must be 0 or more.")
# How long a worker's claim on a generation job lasts without renewal (the beat task
# generation.reclaim_jobs, every AIMG_GENERATION_RECLAIM_SECONDS, queues an expired one again).
AIMG_GENERATION_LEASE_SECONDS = env.int("AIMG_GENERATION_LEASE_SECONDS", default=15)
AIMG_GENERATION_RECLAIM_SECONDS = env.float("AIMG_GENERATION_RECLAIM_SECONDS", default=5.0)
# Transient back-end failures: attempts in all, and the exponential backoff's base and cap (seconds).
AIMG_GENERATION_MAX_ATTEMPTS = env.int("AIMG_GENERATION_MAX_ATTEMPTS", default=4)
AIMG_GENERATION_RETRY_BASE_SECONDS = env.float("AIMG_GENERATION_RETRY_BASE_SECONDS", default=2.0)
AIMG_GENERATION_RETRY_MAX_SECONDS = env.float("AIMG_GENERATION_RETRY_MAX_SECONDS", default=60.0)
if AIMG_GENERATION_MAX_ATTEMPTS < 1 or AIMG_GENERATION_LEASE_SECONDS < 1:
    raise ImproperlyConfigured(
        "AIMG_GENERATION_MAX_ATTEMPTS and AIMG_GENERATION_LEASE_SECONDS must be 1 or more."
    )
# The studio page at / (aimg_site.studio): served when DEBUG is on or this is true (off in production,
# where the sites' own front ends are); otherwise / stays the API's 404 envelope.
AIMG_STUDIO = env.bool("AIMG_STUDIO", default=False)
# Absolute base for media URLs handed to clients and to outside services.
AIMG_PUBLIC_BASE_URL = env.str("AIMG_PUBLIC_BASE_URL", default="")

# --- Integrations (Civitai, Scenario) and the outbound HTTP client ---------------------
# Scenario credentials are encrypted with AIMG_ENCRYPTION_KEYS (the billing block above).
# Outbound requests: plain http is refused except to loopback when this is on (tests only).
AIMG_OUTBOUND_ALLOW_LOOPBACK_HTTP = env.bool("AIMG_OUTBOUND_ALLOW_LOOPBACK_HTTP", default=False)
AIMG_OUTBOUND_MAX_BYTES = env.int("AIMG_OUTBOUND_MAX_BYTES", default=2 * 1024 * 1024)
AIMG_OUTBOUND_CONNECT_SECONDS = env.float("AIMG_OUTBOUND_CONNECT_SECONDS", default=5.0)
AIMG_OUTBOUND_READ_SECONDS = env.float("AIMG_OUTBOUND_READ_SECONDS", default=30.0)
AIMG_OUTBOUND_TOTAL_SECONDS = env.float("AIMG_OUTBOUND_TOTAL_SECONDS", default=120.0)
AIMG_SCENARIO_API_URL = env.str("AIMG_SCENARIO_API_URL", default="https://api.cloud.scenario.com/v1")
if urlsplit(AIMG_SCENARIO_API_URL).scheme not in ("http", "https"):
    raise ImproperlyConfigured("AIMG_SCENARIO_API_URL must be an http(s) URL.")
AIMG_SCENARIO_PART_BYTES = env.int("AIMG_SCENARIO_PART_BYTES", default=8 * 1024 * 1024)
AIMG_SCENARIO_MAX_ITEMS_PER_SEND = env.int("AIMG_SCENARIO_MAX_ITEMS_PER_SEND", default=20)
AIMG_SCENARIO_RETRY_ATTEMPTS = env.int("AIMG_SCENARIO_RETRY_ATTEMPTS", default=4)
AIMG_SCENARIO_RETRY_BASE_SECONDS = env.float("AIMG_SCENARIO_RETRY_BASE_SECONDS", default=1.0)
AIMG_SCENARIO_RETRY_AFTER_CAP_SECONDS = env.float("AIMG_SCENARIO_RETRY_AFTER_CAP_SECONDS", default=30.0)
AIMG_SCENARIO_POLL_SECONDS = env.float("AIMG_SCENARIO_POLL_SECONDS", default=60.0)
AIMG_SCENARIO_POLL_INTERVAL_SECONDS = env.float("AIMG_SCENARIO_POLL_INTERVAL_SECONDS", default=2.0)
AIMG_SCENARIO_TASK_RETRIES = env.int("AIMG_SCENARIO_TASK_RETRIES", default=8)
if AIMG_SCENARIO_PART_BYTES < 1 or AIMG_SCENARIO_MAX_ITEMS_PER_SEND < 1 or AIMG_SCENARIO_RETRY_ATTEMPTS < 1:
    raise ImproperlyConfigured(
        "AIMG_SCENARIO_PART_BYTES, AIMG_SCENARIO_MAX_ITEMS_PER_SEND and AIMG_SCENARIO_RETRY_ATTEMPTS "
        "must be at least 1."
    )
# How long the signed links of a Civitai post intent (media, details) work.
AIMG_CIVITAI_LINK_SECONDS = env.int("AIMG_CIVITAI_LINK_SECONDS", default=24 * 3600)
if AIMG_CIVITAI_LINK_SECONDS < 60:
    raise ImproperlyConfigured("AIMG_CIVITAI_LINK_SECONDS must be at least 60.")


def parse_api_base_url(value: str) -> str:
    """``AIMG_API_BASE_URL``: empty, or an http(s) origin (scheme and host, no path)."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ImproperlyConfigured(
            f"AIMG_API_BASE_URL must be an origin such as https://api.example.com, not {value!r}."
        )
    return value


# The API's public origin when it is not https://api.<domain> (staging-api. on staging rows): local
# development (make run sets it), a single-host deployment. OAuth callback URLs are built from it.
AIMG_API_BASE_URL = parse_api_base_url(env.str("AIMG_API_BASE_URL", default=""))

# Rate limits: storage follows REDIS_URL, else a SQLite file under var/ (aimg_site.api.ratelimit_sqlite):
# one count for every process either way ("memory://" would count per process).
AIMG_RATELIMIT_STORAGE_URI = env.str(
    "AIMG_RATELIMIT_STORAGE_URI",
    default=REDIS_URL or f"sqlite:///{(VAR_DIR / 'ratelimits.sqlite3').absolute()}",
)
AIMG_RATELIMIT_ENABLED = env.bool("AIMG_RATELIMIT_ENABLED", default=True)
AIMG_RATELIMIT_KEY_PREFIX = env.str("AIMG_RATELIMIT_KEY_PREFIX", default="aimg-limits")

# --- allauth (OAuth sign-in; the accounts app owns the flow) ----------------------
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = True
SOCIALACCOUNT_LOGIN_ON_GET = True
SOCIALACCOUNT_ADAPTER = "accounts.oauth.adapters.SocialAccountAdapter"
# Extra hosts (besides each domain's front end) that OAuth logins may return to, e.g. localhost in development.
AIMG_OAUTH_REDIRECT_HOSTS = env.list("AIMG_OAUTH_REDIRECT_HOSTS", default=[])
# allauth's scheme for absolute URLs it builds itself; the OAuth callback URL given to providers is
# not one of them: accounts.oauth builds it from AIMG_API_BASE_URL or the domain, never the Host.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# OAuth clients from the environment; a provider without a client id is not offered.
SOCIALACCOUNT_PROVIDERS = {
    provider: {
        "APP": {
            "client_id": env.str(f"AIMG_OAUTH_{provider.upper()}_CLIENT_ID", default=""),
            "secret": env.str(f"AIMG_OAUTH_{provider.upper()}_SECRET", default=""),
        },
        "SCOPE": scope,
    }
    for provider, scope in (
        ("google", ["openid", "email", "profile"]),
        ("discord", ["identify", "email"]),
        ("github", ["read:user", "user:email"]),
    )
}

# The Django session cookie carries the admin console's login and the OAuth round trip.
SESSION_COOKIE_SECURE = env.bool("AIMG_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True

# --- Browser security headers (SecurityMiddleware, XFrameOptionsMiddleware) ---------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS is opt-in: once a browser has seen it, the site cannot go back to http.
SECURE_HSTS_SECONDS = env.int("AIMG_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("AIMG_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("AIMG_HSTS_PRELOAD", default=False)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips any client-sent one),
# requests it received over https count as secure (HSTS, secure redirects, absolute URLs).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("AIMG_BEHIND_TLS_PROXY", default=False) else None
)

# --- CORS -----------------------------------------------------------------------
CORS_ALLOWED_ORIGIN_REGEXES = env.list(
    "AIMG_CORS_ORIGIN_REGEXES",
    default=[r"^https://([a-z0-9-]+\.)?sexy\.ai$", r"^https://([a-z0-9-]+\.)?freejourney\.ai$"],
)
#: With DEBUG on (``make run``), a front end served from any local port may call the API too.
DEV_CORS_ORIGIN_REGEXES = [r"^http://localhost(:\d{1,5})?$", r"^http://127\.0\.0\.1(:\d{1,5})?$"]
if DEBUG:
    CORS_ALLOWED_ORIGIN_REGEXES += DEV_CORS_ORIGIN_REGEXES
CORS_ALLOWED_ORIGINS = env.list("AIMG_CORS_ORIGINS", default=[])
CORS_ALLOW_HEADERS = [
    "accept",
    "content-type",
    "x-session-id",
    "x-administration-key",
    "x-request-id",
]
CORS_EXPOSE_HEADERS = ["x-session-id", "x-request-id", "retry-after"]

# --- REST framework and OpenAPI -------------------------------------------------
REST_FRAMEWORK: dict[str, object] = {
    "DEFAULT_RENDERER_CLASSES": ["aimg_site.api.envelope.EnvelopeJSONRenderer"],
    # JSON bodies only (CONTRACT.md); a view that takes an upload or an HTML form post declares
    # ``parser_classes`` itself. A form-encoded body elsewhere is a 415, and the schema offers JSON only.
    "DEFAULT_PARSER_CLASSES": ["aimg_site.api.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["aimg_site.api.authentication.SessionHeaderAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "aimg_site.api.envelope.JSONOnlyNegotiation",
    "EXCEPTION_HANDLER": "aimg_site.api.exceptions.envelope_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "aimg_site.api.schema.EnvelopeAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AIMG API",
    "DESCRIPTION": (
        "The API behind sexy.ai and freejourney.ai. Every response is the envelope "
        "`{hasError, payload, errorMessage?, errorCode?, metadata?}`; every request carries "
        "an `X-Session-ID` UUID header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # "Authorize" once: the session id and admin key stay filled in across page reloads.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "deepLinking": True},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
    ],
    "SERVERS": [
        {"url": "/", "description": "The server that serves this schema (local development too)"},
        {"url": "https://api.freejourney.ai"},
        {"url": "https://api.sexy.ai"},
        {"url": "https://staging-api.freejourney.ai"},
        {"url": "https://staging-api.sexy.ai"},
    ],
}

# --- Django-level error views ---------------------------------------------------
CSRF_FAILURE_VIEW = "aimg_site.api.handlers.csrf_failure"

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging: JSON lines, each with the request id --------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# One line per request from aimg.request (aimg_site/api/logging.py); Django's own per-request lines
# are off: django.request only reports 5xx (with the traceback), runserver's line is filtered out,
# and Django's plain-text console handler (DEBUG) is removed so nothing is written twice.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "aimg_site.api.logging.RequestIDFilter"},
        "runserver_access": {"()": "aimg_site.api.logging.RunserverAccessFilter"},
    },
    "formatters": {
        "json": {
            "()": "aimg_site.api.logging.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.request": {"level": "ERROR", "propagate": True},
        "django.server": {"level": "INFO", "propagate": True, "filters": ["runserver_access"]},
    },
}
