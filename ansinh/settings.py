"""An Sinh settings, read from the environment (DESIGN §6, docs/operations.md).

Two profiles share this one file:

* ``embedded`` (the default): SQLite, local-memory cache, a development mailbox readable
  in the browser, one process. For trying An Sinh and for small offices.
* ``production`` (``ANSINH_PROFILE=production``): PostgreSQL, Redis, an SMTP relay; refuses
  to start without ``SECRET_KEY``, ``DATABASE_URL``, ``SMTP_HOST`` and ``SITE_URL``, and has
  no development mailbox at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no setting. Anything but the listed spellings is an error at start-up: a misspelt
    ``SECURE_COOKIES=ture`` must not quietly turn a protection off."""
    value = ENV.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of 1/0, true/false, yes/no, on/off"
    )


def env_int(name: str, default: int) -> int:
    value = ENV.get(name, "").strip()
    return int(value) if value else default


def _prepare_threshold(value: str) -> int | None:
    """``DB_PREPARE_THRESHOLD``: uses of a statement before psycopg prepares it; ``off``: never."""
    word = value.strip().lower()
    if word in _FALSE or word in {"", "none"}:
        return None
    if not word.isdigit():
        raise ImproperlyConfigured(f"DB_PREPARE_THRESHOLD={value!r}: a number of uses, or off")
    return int(word)


def env_list(name: str, default: list[str]) -> list[str]:
    value = ENV.get(name, "").strip()
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


PROFILE = ENV.get("ANSINH_PROFILE", "embedded").strip() or "embedded"
if PROFILE not in {"embedded", "production"}:
    raise ImproperlyConfigured("ANSINH_PROFILE must be 'embedded' or 'production'")
PRODUCTION = PROFILE == "production"

if PRODUCTION:
    missing = [
        name
        for name in ("SECRET_KEY", "DATABASE_URL", "SMTP_HOST", "SITE_URL")
        if not ENV.get(name)
    ]
    if missing:
        raise ImproperlyConfigured(f"production profile needs: {', '.join(missing)}")

DEBUG = env_bool("DEBUG", default=False)
# The embedded profile's key only protects a local demo; production must set its own.
SECRET_KEY = ENV.get("SECRET_KEY") or "embedded-profile-only-not-secret-" + "x" * 32
# Key rotation (docs/operations.md): the previous keys, comma-separated, newest first. Web
# sessions and signed links made with them stay valid until they expire; everything new is
# signed with SECRET_KEY. Remove an old key once its sessions and links have expired.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
SITE_URL = ENV.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "captcha",
    "csp",
    # Its templates and static files: the API docs page (Swagger UI) served from our own origin.
    "ninja",
    "ansinh.people",
    "ansinh.accounts",
    "ansinh.recovery",
    "ansinh.dossiers",
    "ansinh.contributions",
    "ansinh.cards",
    "ansinh.notifications",
    "ansinh.audit",
    "ansinh.api",
    "ansinh.portal",
    "ansinh.backoffice",
    # The citizen app at /app/ (docs/app.md): its shell, manifest, service worker and scripts.
    "ansinh.app",
    "ansinh.ops",
]

# Session, user and messages are the portal's and the back office's: skipped for /api/
# (ansinh/lib/apimiddleware.py); everything else runs for every request.
MIDDLEWARE = [
    "ansinh.ops.middleware.RequestMiddleware",
    # Read-your-own-writes with read replicas: who wrote, and up to which WAL position.
    "ansinh.lib.replicas.ReplicaMiddleware",
    "ansinh.ops.middleware.DatabaseUnavailableMiddleware",
    "ansinh.lib.captcha.CaptchaLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ansinh.lib.apimiddleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ansinh.lib.apimiddleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ansinh.lib.csrf.CsrfViewMiddleware",
    "ansinh.lib.apimiddleware.AuthenticationMiddleware",
    "ansinh.lib.apimiddleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ansinh.accounts.middleware.PasswordChangeRequiredMiddleware",
    # A domain refusal a page did not handle: NotFound → the 404 page, Forbidden → 403, …
    "ansinh.lib.middleware.DomainErrorMiddleware",
]

# security.W003 looks for Django's CSRF middleware by name; ours is a subclass of it
# (ansinh/lib/csrf.py) that only lets "Origin: null" through to the token check on the
# no-referrer recovery pages.
SILENCED_SYSTEM_CHECKS = ["security.W003"]

ROOT_URLCONF = "ansinh.urls"
WSGI_APPLICATION = "ansinh.wsgi.application"
ASGI_APPLICATION = "ansinh.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ansinh.portal.context.site",
                "ansinh.portal.context.notices",
            ],
            # "Lỗi: " before the title of a page whose form has errors (base.html).
            "libraries": {"form_errors": "ansinh.lib.form_errors"},
        },
    },
]

# --- Database -------------------------------------------------------------------------
# Every SQLite database, the embedded default's or one named by a sqlite:// DATABASE_URL: the web
# threads and the worker thread share the file, so wait for the lock instead of failing, take the
# write lock at BEGIN to avoid upgrade deadlocks, and let readers run beside the writer (WAL).
SQLITE_OPTIONS: dict[str, Any] = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = ENV.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES: dict[str, Any] = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            # On, Django sends "SELECT 1" before the first query of every request: a quarter of
            # a history read's time (bench/RESULTS.md). Off, a connection that died in between
            # (database restarted) fails that one request and is then closed and replaced.
            conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", default=False),
        )
    }
    # Parameters bound by PostgreSQL, and the statements a connection runs again and again
    # (every login's, every history read's) prepared after DB_PREPARE_THRESHOLD uses: parsed
    # and planned once per connection instead of per query. Measured by `make bench`: a
    # login's PostgreSQL CPU 1.7 → 1.1 ms (bench/RESULTS.md). Django's default is off for
    # both, for connection poolers: behind PgBouncer older than 1.21 in transaction mode set
    # DB_PREPARE_THRESHOLD=off (a prepared statement lives in one server connection).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "server_side_binding": env_bool("DB_SERVER_SIDE_BINDING", default=True),
            "prepare_threshold": _prepare_threshold(ENV.get("DB_PREPARE_THRESHOLD", "5")),
        }
    # Behind PgBouncer in transaction mode (docs/scaling.md): a server-side cursor (used by
    # QuerySet.iterator) must not outlive the transaction that PgBouncer pins to a connection.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DB_DISABLE_SERVER_SIDE_CURSORS", default=False
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ENV.get("SQLITE_PATH", str(BASE_DIR / "var" / "ansinh.sqlite3")),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Issue 11 i: a sqlite:// URL used to get none of these (parallel writes answered 503).
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
# Read replicas (docs/scaling.md "Read replicas"): PostgreSQL streaming standbys of the primary,
# DATABASE_REPLICA_URL, comma-separated for more than one (aliases replica, replica2, …). Only
# the pure-read views marked ``reads_from_replica`` read from them (ansinh/lib/replicas.py);
# in tests a replica mirrors the primary's test database.
DATABASE_REPLICAS: list[str] = []
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URL", [])):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL")
    _alias = "replica" if _index == 0 else f"replica{_index + 1}"
    DATABASES[_alias] = dj_database_url.parse(
        _url,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", default=False),
    )
    DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"][
        "DISABLE_SERVER_SIDE_CURSORS"
    ]
    DATABASES[_alias]["OPTIONS"] = {
        **DATABASES[_alias].get("OPTIONS", {}),
        "server_side_binding": DATABASES["default"]["OPTIONS"]["server_side_binding"],
        "prepare_threshold": DATABASES["default"]["OPTIONS"]["prepare_threshold"],
    }
    # A replica that is away must cost a read little: give up connecting after this long.
    DATABASES[_alias].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2)
    )
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["ansinh.lib.replicas.ReplicaRouter"]
# Reads go to the primary when a replica's replay is further behind than this.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5)
# Each process asks each replica its replay position and lag at most this often …
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 1)
# … and leaves a replica that did not answer alone for this long.
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 10)
# After a write, its principal reads from the primary until a replica has replayed it, and at
# most this long (the cache key's lifetime; longer than any lag a replica is used at).
REPLICA_READ_YOUR_WRITES_SECONDS = env_int("REPLICA_READ_YOUR_WRITES_SECONDS", 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches ---------------------------------------------------------------------------
# ``default`` holds throw-away values. ``ratelimit`` holds the per-address and per-key rate
# limit counters (ansinh/lib/ratelimit.py) and nothing else, so no client can push a counter
# out by filling a shared least-recently-used store (docs/operations.md "Caches"). On Redis it
# needs a server whose maxmemory-policy is ``noeviction`` (RATELIMIT_REDIS_URL may name one).
REDIS_URL = ENV.get("REDIS_URL", "")
CACHE_KEY_PREFIX = ENV.get("CACHE_KEY_PREFIX", "ansinh")
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            # Redis, degrading to process memory while Redis is down (ansinh/lib/cache.py).
            "BACKEND": "ansinh.lib.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        },
        "ratelimit": {
            "BACKEND": "ansinh.lib.cache.ResilientRedisCache",
            "LOCATION": ENV.get("RATELIMIT_REDIS_URL", REDIS_URL),
            "KEY_PREFIX": CACHE_KEY_PREFIX + "-rl",
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Bounded, and never evicts a live counter (ansinh/lib/cache.py CounterCache).
        "ratelimit": {
            "BACKEND": "ansinh.lib.cache.CounterCache",
            "LOCATION": "ansinh-ratelimit",
            "OPTIONS": {"MAX_ENTRIES": env_int("RATELIMIT_MAX_ENTRIES", 200_000)},
        },
    }
RATELIMIT_USE_CACHE = "ratelimit"

# --- Authentication ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["ansinh.accounts.backends.IdentifierBackend"]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
PASSWORD_HASHERS = [
    "ansinh.lib.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
# argon2 computations at once per process: each holds 19 MiB (docs/operations.md "Sizing").
# In production the web processes share the cores: by default all of them together hash on at
# most as many threads as there are cores; their other threads meanwhile do a login's database
# work, so the cores stay busy hashing (bench/RESULTS.md, login vs raw argon2id).
PASSWORD_HASH_CONCURRENCY = env_int(
    "PASSWORD_HASH_CONCURRENCY",
    max(1, (os.cpu_count() or 2) // (env_int("WEB_CONCURRENCY", 2) if PRODUCTION else 1)),
)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "ansinh.accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "ansinh.accounts.validators.ControlCharacterValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "ansinh.accounts.validators.PersonalDataValidator"},
    # Sequences, repeats, keyboard rows, all digits (zxcvbn's score 0–4; issue 12).
    {"NAME": "ansinh.accounts.validators.GuessablePasswordValidator", "OPTIONS": {"min_score": 3}},
]

# Login throttling (docs/security.md): exponential back-off per account from the Nth
# consecutive failure of a typed identifier, a hard stop after LOGIN_MAX_FAILURES on an
# account (recovery still works), and a CAPTCHA step-up per client address
# (ansinh/accounts/throttle.py).
LOGIN_BACKOFF_AFTER = env_int("LOGIN_BACKOFF_AFTER", 5)
LOGIN_BACKOFF_BASE_SECONDS = env_int("LOGIN_BACKOFF_BASE_SECONDS", 2)
LOGIN_BACKOFF_MAX_SECONDS = env_int("LOGIN_BACKOFF_MAX_SECONDS", 3600)
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 100)
# Failed logins per client address before a login from there needs a solved CAPTCHA.
LOGIN_IP_RATE = ENV.get("LOGIN_IP_RATE", "60/15m")
# A typed identifier's failures are forgotten this long after the last one (registered and
# unknown identifiers alike); an account's count towards LOGIN_MAX_FAILURES never is.
LOGIN_FAILURE_MEMORY_SECONDS = env_int("LOGIN_FAILURE_MEMORY_SECONDS", 30 * 24 * 3600)
# How many reverse proxies in front of us append to X-Forwarded-For; 0 trusts none.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# App tokens (DESIGN §3.2)
ACCESS_TOKEN_TTL_SECONDS = env_int("ACCESS_TOKEN_TTL_SECONDS", 15 * 60)
REFRESH_TOKEN_TTL_SECONDS = env_int("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)
# The citizen app (docs/app.md) asks for the password again after this long without a touch.
APP_IDLE_SECONDS = env_int("APP_IDLE_SECONDS", 15 * 60)

# Passkeys (WebAuthn; docs/security.md "Passkeys", ansinh/accounts/passkeys.py). The relying
# party ID is the site's host name: a domain, never an IP address (so not 127.0.0.1); the
# origins are the exact scheme://host[:port] the app is served from. The embedded profile
# accepts http://localhost on any port (`make run`: open http://localhost:8000/app/; the test
# server's random port); production must set both (system check ansinh.E004).
WEBAUTHN_RP_ID = ENV.get("WEBAUTHN_RP_ID", "" if PRODUCTION else "localhost").strip()
WEBAUTHN_RP_NAME = ENV.get("WEBAUTHN_RP_NAME", "").strip() or "An Sinh"
WEBAUTHN_ORIGINS = env_list("WEBAUTHN_ORIGINS", [] if PRODUCTION else ["http://localhost:*"])
# A challenge (to add a passkey or to sign in with one) works once, for this long.
PASSKEY_CHALLENGE_TTL_SECONDS = env_int("PASSKEY_CHALLENGE_TTL_SECONDS", 5 * 60)
# Sign-in challenges handed out per client address (anyone may ask for one).
PASSKEY_OPTIONS_IP_RATE = ENV.get("PASSKEY_OPTIONS_IP_RATE", "120/15m")
# Registration challenges per account (each one needs the password again).
PASSKEY_REGISTER_RATE = ENV.get("PASSKEY_REGISTER_RATE", "20/h")
PASSKEY_MAX_PER_ACCOUNT = env_int("PASSKEY_MAX_PER_ACCOUNT", 10)

# Password recovery (DESIGN §3.3, docs/recovery.md)
RECOVERY_OTP_TTL_SECONDS = env_int("RECOVERY_OTP_TTL_SECONDS", 5 * 60)
RECOVERY_OTP_MAX_ATTEMPTS = env_int("RECOVERY_OTP_MAX_ATTEMPTS", 5)
RECOVERY_RESEND_AFTER_SECONDS = env_int("RECOVERY_RESEND_AFTER_SECONDS", 60)
RECOVERY_MAX_RESENDS = env_int("RECOVERY_MAX_RESENDS", 3)
# Wrong codes per account across every recovery, session and channel, per rolling window.
RECOVERY_ACCOUNT_MAX_FAILURES = env_int("RECOVERY_ACCOUNT_MAX_FAILURES", 10)
RECOVERY_ACCOUNT_WINDOW_SECONDS = env_int("RECOVERY_ACCOUNT_WINDOW_SECONDS", 24 * 3600)
RECOVERY_IDENTIFIER_RATE = ENV.get("RECOVERY_IDENTIFIER_RATE", "5/h")
# Codes emailed to one mailbox per rolling window, across its accounts, requests and resends:
# the ceiling of a flood.
RECOVERY_MAILBOX_MAX_CODES = env_int("RECOVERY_MAILBOX_MAX_CODES", 20)
RECOVERY_MAILBOX_WINDOW_SECONDS = env_int("RECOVERY_MAILBOX_WINDOW_SECONDS", 24 * 3600)
RECOVERY_IP_RATE = ENV.get("RECOVERY_IP_RATE", "20/h")  # portal (has a CAPTCHA)
RECOVERY_IP_RATE_API = ENV.get("RECOVERY_IP_RATE_API", "10/h")  # app API (no CAPTCHA)
TEMPORARY_PASSWORD_TTL_SECONDS = env_int("TEMPORARY_PASSWORD_TTL_SECONDS", 24 * 3600)

# Web sessions: secure cookies, 12 h absolute at most, 30 min idle (docs/security.md).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A stale or missing form token: a branded page with a way back to the form (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "ansinh.ops.views.csrf_failure"
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# Every cookie we set is SameSite=Lax, HttpOnly (no script of ours reads a cookie) and, with
# SECURE_COOKIES, Secure under a "__Host-" name. Django's messages cookie follows SESSION_COOKIE_*.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if SECURE_COOKIES:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-django_language"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Not "no-referrer": under it browsers send "Origin: null" with every form POST, which
# Django's CSRF check rejects. "same-origin" still sends nothing to other sites.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A strict Content-Security-Policy (django-csp): our own scripts, styles and images only, no
# inline script, no plugins, no framing, forms post only to us. QR codes and the CAPTCHA are
# images from this site (data: for inline SVG QR codes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Bodies: the API takes small JSON documents; refuse anything larger early.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 64 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# --- Dossiers (DESIGN §3.4, docs/dossiers.md) -----------------------------------------------
# Working days (Mon–Fri) an office has to decide; public holidays only if listed here.
DOSSIER_SLA_WORKING_DAYS = env_int("DOSSIER_SLA_WORKING_DAYS", 5)
DOSSIER_PUBLIC_HOLIDAYS = env_list("DOSSIER_PUBLIC_HOLIDAYS", [])  # e.g. 2026-09-02,2026-09-01
# Documents of portal change requests: PNG, JPEG or PDF by content, each at most this big.
DOSSIER_UPLOAD_MAX_BYTES = env_int("DOSSIER_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
DOSSIER_UPLOAD_MAX_FILES = env_int("DOSSIER_UPLOAD_MAX_FILES", 4)
# A clerk's hold on a dossier ("Nhận xử lý") lapses after this many minutes without activity
# on it (opening it, deciding): long enough to read the documents and phone the person, short
# enough that a clerk who went to lunch or home does not block the office (issue 14).
DOSSIER_CLAIM_IDLE_MINUTES = env_int("DOSSIER_CLAIM_IDLE_MINUTES", 30)
# The office queue's page size (back office).
DOSSIER_QUEUE_PAGE_SIZE = 50
# Uploaded documents live here under random names; never served by a public URL.
MEDIA_ROOT = ENV.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
MEDIA_URL = "/media-is-not-served/"  # nothing routes it: documents go through access checks
FILE_UPLOAD_PERMISSIONS = 0o600
# An approved new email: the code sent to it, and the "this wasn't me" link to the old one.
EMAIL_CONFIRM_TTL_SECONDS = env_int("EMAIL_CONFIRM_TTL_SECONDS", 24 * 3600)
EMAIL_CONFIRM_MAX_ATTEMPTS = env_int("EMAIL_CONFIRM_MAX_ATTEMPTS", 5)
EMAIL_CONFIRM_RESEND_AFTER_SECONDS = env_int("EMAIL_CONFIRM_RESEND_AFTER_SECONDS", 60)
EMAIL_CONFIRM_MAX_RESENDS = env_int("EMAIL_CONFIRM_MAX_RESENDS", 3)
# Resent codes per mailbox (its spellings count as one: accounts.codes.mailbox_key).
EMAIL_CONFIRM_MAILBOX_RATE = ENV.get("EMAIL_CONFIRM_MAILBOX_RATE", "3/h")
EMAIL_CHANGE_DISPUTE_DAYS = env_int("EMAIL_CHANGE_DISPUTE_DAYS", 30)
# Online registration (01/ĐK-GD): the code to the typed address, and how often it may go out.
REGISTRATION_CODE_TTL_SECONDS = env_int("REGISTRATION_CODE_TTL_SECONDS", 15 * 60)
REGISTRATION_CODE_MAX_ATTEMPTS = env_int("REGISTRATION_CODE_MAX_ATTEMPTS", 5)
REGISTRATION_RESEND_AFTER_SECONDS = env_int("REGISTRATION_RESEND_AFTER_SECONDS", 60)
REGISTRATION_MAX_RESENDS = env_int("REGISTRATION_MAX_RESENDS", 3)
REGISTRATION_IP_RATE = ENV.get("REGISTRATION_IP_RATE", "10/h")
REGISTRATION_EMAIL_RATE = ENV.get("REGISTRATION_EMAIL_RATE", "3/h")
REGISTRATION_IDENTIFIER_RATE = ENV.get("REGISTRATION_IDENTIFIER_RATE", "5/h")
# Codes (requests and resends) to one mailbox, every spelling of it, in a rolling window.
REGISTRATION_MAILBOX_MAX_CODES = env_int("REGISTRATION_MAILBOX_MAX_CODES", 10)
REGISTRATION_MAILBOX_WINDOW_SECONDS = env_int("REGISTRATION_MAILBOX_WINDOW_SECONDS", 24 * 3600)

# --- Internationalisation: Vietnamese first, English second -------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(ENV.get("STATIC_ROOT", "") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Email ----------------------------------------------------------------------------------
SMTP_HOST = ENV.get("SMTP_HOST", "")
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "An Sinh <no-reply@ansinh.example>")
# The development mailbox exists only in the embedded profile and only without SMTP.
DEV_MAILBOX = not PRODUCTION and not SMTP_HOST
if SMTP_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = SMTP_HOST
    EMAIL_PORT = env_int("SMTP_PORT", 25)
    EMAIL_HOST_USER = ENV.get("SMTP_USER", "")
    EMAIL_HOST_PASSWORD = ENV.get("SMTP_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("SMTP_STARTTLS", default=False)
    EMAIL_TIMEOUT = env_int("SMTP_TIMEOUT", 20)
else:
    EMAIL_BACKEND = "ansinh.notifications.devmailbox.DevMailboxBackend"
# A worker thread keeps its SMTP session open between emails for at most this many idle
# seconds (0: a new session per email); relays usually close idle sessions after minutes.
SMTP_KEEP_SECONDS = env_int("SMTP_KEEP_SECONDS", 30)
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 6)
EMAIL_RETRY_BASE_SECONDS = env_int("EMAIL_RETRY_BASE_SECONDS", 30)

# --- Background tasks (django-tasks + django-tasks-db) ---------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task still "running" after this long lost its worker (killed, machine gone): run it again.
# Our tasks take seconds (an SMTP attempt times out after SMTP_TIMEOUT); codes live 5 min.
TASK_STUCK_SECONDS = env_int("TASK_STUCK_SECONDS", 120)
# Worker loops per `ansinh worker` process (threads: tasks mostly wait on PostgreSQL and SMTP).
WORKER_THREADS = env_int("WORKER_THREADS", 4)
# An idle worker is woken when a task is queued (on PostgreSQL a trigger's NOTIFY and the
# worker's LISTEN; in `ansinh run` the commit that queued it: ansinh/ops/wakeup.py), and it also
# looks at the queue every TASK_WORKER_INTERVAL seconds, the fallback for a notification lost
# while it reconnects and for retries whose time has come (each poll is one indexed query).
# Without the wakeup the poll was most of an OTP email's wait (issue 16): 0.25 s then, 1 s on
# PostgreSQL now. A pooler in transaction mode does not forward notifications: then give the
# listening connection (one per `ansinh worker` process) PostgreSQL's own address in
# TASK_WAKEUP_DATABASE_URL (docs/scaling.md), or turn the LISTEN off with TASK_WAKEUP=0.
TASK_WAKEUP = env_bool("TASK_WAKEUP", default=True)
TASK_WAKEUP_DATABASE_URL = ENV.get("TASK_WAKEUP_DATABASE_URL", "").strip()
TASK_WORKER_INTERVAL = max(
    0.0,
    float(
        ENV.get("TASK_WORKER_INTERVAL", "").strip()
        or (1.0 if TASK_WAKEUP and DATABASES["default"]["ENGINE"].endswith("postgresql") else 0.25)
    ),
)

# --- Web servers (`ansinh serve`: gunicorn processes running waitress; `ansinh run`: waitress) ---
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 2)  # worker processes
# Request threads per process. Two: while one thread waits for the database (a login's commit, a
# history read's queries) the other computes (bench/RESULTS.md).
GUNICORN_THREADS = env_int("GUNICORN_THREADS", 2)
# Each process reads connections and whole requests in waitress's event loop before a thread
# runs them, so slow clients cannot hold the threads (ansinh/ops/webserver.py, issue 11 d).
# "gthread" is gunicorn's threaded worker: only behind a proxy that buffers whole requests.
GUNICORN_WORKER_CLASS = (
    ENV.get("GUNICORN_WORKER_CLASS", "") or "ansinh.ops.webserver.WaitressWorker"
)
# Connections one process holds open at once (idle, keep-alive or still arriving); both servers.
WEB_CONNECTION_LIMIT = env_int("WEB_CONNECTION_LIMIT", 1000)
# Seconds without traffic after which a connection is closed; both servers.
WEB_CHANNEL_TIMEOUT = env_int("WEB_CHANNEL_TIMEOUT", 30)
GUNICORN_TIMEOUT = env_int("GUNICORN_TIMEOUT", 30)
GUNICORN_MAX_REQUESTS = env_int("GUNICORN_MAX_REQUESTS", 20000)
GUNICORN_FORWARDED_ALLOW_IPS = ENV.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# --- Retention (ansinh/ops/retention.py, `ansinh purge`) -------------------------------------
RETENTION_RECOVERY_DAYS = env_int("RETENTION_RECOVERY_DAYS", 30)
RETENTION_TOKENS_DAYS = env_int("RETENTION_TOKENS_DAYS", 30)
RETENTION_EMAILS_DAYS = env_int("RETENTION_EMAILS_DAYS", 90)
RETENTION_TASKS_DAYS = env_int("RETENTION_TASKS_DAYS", 7)
RETENTION_AUDIT_DAYS = env_int("RETENTION_AUDIT_DAYS", 5 * 365)

# --- Metrics (Prometheus) --------------------------------------------------------------------
# Several processes (gunicorn workers, task workers) write their counters to files in this
# directory and /metrics adds them up (prometheus_client's multi-process mode). It must be set
# before prometheus_client is first imported, hence here. Unset in the embedded profile: one
# process, in-memory counters.
PROMETHEUS_MULTIPROC_DIR = ENV.get("PROMETHEUS_MULTIPROC_DIR", "") or (
    str(BASE_DIR / "var" / "prometheus") if PRODUCTION else ""
)
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = PROMETHEUS_MULTIPROC_DIR
# If set, /metrics wants "Authorization: Bearer <METRICS_TOKEN>"; otherwise keep /metrics
# off the public proxy (docs/operations.md).
METRICS_TOKEN = ENV.get("METRICS_TOKEN", "")
# /readyz fails when the oldest ready task has waited longer than this.
READY_MAX_QUEUE_LAG_SECONDS = env_int("READY_MAX_QUEUE_LAG_SECONDS", 60)
# --- Participation, contributions and the e-BHYT card (docs/contributions.md) --------------
# Reports (D02-LT) through the unit API: the body may be far larger than other API bodies.
REPORT_MAX_BYTES = env_int("REPORT_MAX_BYTES", 256 * 1024 * 1024)
REPORT_MAX_LINES = env_int("REPORT_MAX_LINES", 2_000_000)
# A rejected report lists the errors of at most this many lines (and counts them all).
REPORT_MAX_LINE_ERRORS = env_int("REPORT_MAX_LINE_ERRORS", 1000)
# A report as an Excel workbook (.xlsx, contributions/xlsx.py): its size, what its parts unpack
# to in all, and its shared-string table, which openpyxl holds in memory while it reads.
REPORT_MAX_XLSX_BYTES = env_int("REPORT_MAX_XLSX_BYTES", 64 * 1024 * 1024)
REPORT_MAX_XLSX_UNPACKED = env_int("REPORT_MAX_XLSX_UNPACKED", 1024 * 1024 * 1024)
REPORT_MAX_XLSX_STRINGS = env_int("REPORT_MAX_XLSX_STRINGS", 64 * 1024 * 1024)
# On PostgreSQL, reports are checked and applied set-based in SQL (contributions/pgingest.py);
# off: the generic path of every database (the same results, slower).
REPORT_INGEST_SQL = env_bool("REPORT_INGEST_SQL", default=True)
# The largest payment staff may record or a bank-import line may carry, in đồng (a sane bound
# against typing errors and abuse; split a larger transfer or raise this).
PAYMENT_MAX_AMOUNT = env_int("PAYMENT_MAX_AMOUNT", 100_000_000_000)
# A month still unpaid this many days after its due date (its last day) is announced, once.
UNPAID_ALERT_DAYS = env_int("UNPAID_ALERT_DAYS", 30)
# Ed25519 keys of the card QR signature: a JSON key file (never in the repository). Unset in
# the embedded profile: a key is generated on first use into var/card-keys.json.
CARD_KEYS_FILE = ENV.get("CARD_KEYS_FILE", "") or (
    "" if PRODUCTION else str(BASE_DIR / "var" / "card-keys.json")
)
CARD_KEYS_GENERATE = env_bool("CARD_KEYS_GENERATE", default=not PRODUCTION)
# Public keys of retired signing keys still accepted by verification (JSON, same format as
# `ansinh card export-public-keys`).
CARD_PUBLIC_KEYS_FILE = ENV.get("CARD_PUBLIC_KEYS_FILE", "")
CARD_VERIFY_RATE = ENV.get("CARD_VERIFY_RATE", "60/m")
# The public card check by printed details (portal "Tra cứu thẻ BHYT"): misses per card number,
# from any address (cards/verification.py), so a name or date of birth cannot be guessed.
CARD_LOOKUP_MISS_RATE = ENV.get("CARD_LOOKUP_MISS_RATE", "10/h")
# The signed lists of revoked cards (GET /api/v1/cards/revocations) and of revoked participation
# certificates (GET /api/v1/certificates/revocations), each rate limited on its own: verifiers
# fetch a new one by its "next_update", this long after it was made; the offline verifiers
# refuse an older list.
CARD_REVOCATIONS_NEXT_UPDATE_SECONDS = env_int("CARD_REVOCATIONS_NEXT_UPDATE_SECONDS", 24 * 3600)
CARD_REVOCATIONS_RATE = ENV.get("CARD_REVOCATIONS_RATE", "30/h")

# --- CAPTCHA ("Mã kiểm tra") ----------------------------------------------------------------
# Issue 12 c (ansinh/lib/captcha_form.py, docs/operations.md): digits with no look-alike glyph
# (no 0/O, 1/l/I, 5/S, 2/Z, 8/B), easy to say aloud; a large image; spoken on the server
# (ansinh/lib/speech.py); a lifetime (minutes) long enough for a slow typist.
CAPTCHA_ALPHABET = "34679"
CAPTCHA_LENGTH = 6
CAPTCHA_TIMEOUT = env_int("CAPTCHA_TIMEOUT_MINUTES", 15)
CAPTCHA_IMAGE_SIZE = (280, 84)
CAPTCHA_FONT_SIZE = 52
# Small: turned further, the 7 of the bundled font reads as a 1.
CAPTCHA_LETTER_ROTATION = (-6, 6)
CAPTCHA_2X_IMAGE = False  # the library draws its 2× image cut off when the size is fixed
# Never true outside tests_settings.py; a system check refuses it in production.
CAPTCHA_TEST_MODE = False
# Minting is limited (ansinh/lib/captcha.py): challenges per client address (a page showing
# the CAPTCHA or /captcha/refresh/; generous, since offices and carriers put many people
# behind one address), images and audio per address, and rows stored at most (expired ones
# are purged at the cap and daily).
CAPTCHA_CHALLENGE_FUNCT = "ansinh.lib.captcha.challenge"
CAPTCHA_BASE_CHALLENGE_FUNCT = "ansinh.lib.captcha_form.challenge"
CAPTCHA_MINT_RATE = ENV.get("CAPTCHA_MINT_RATE", "300/5m")
CAPTCHA_IMAGE_RATE = ENV.get("CAPTCHA_IMAGE_RATE", "600/5m")
CAPTCHA_AUDIO_RATE = ENV.get("CAPTCHA_AUDIO_RATE", "60/5m")  # speaking costs more than drawing
# Three times the issue 11 cap: codes now live 15 minutes instead of 5, so as many addresses
# are needed as before to fill the table.
CAPTCHA_MAX_STORED = env_int("CAPTCHA_MAX_STORED", 300_000)

# --- Logging ----------------------------------------------------------------------------------
# JSON lines in production (one object per line, for log shipping), plain text otherwise.
# Every line carries the request id; personal data is masked by a filter (ansinh/lib/logs.py).
LOG_FORMAT = ENV.get("LOG_FORMAT", "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ansinh.lib.logs.RequestIdFilter"},
        "mask": {"()": "ansinh.lib.logs.MaskPersonalData"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "mask"],
        }
    },
    "root": {"handlers": ["console"], "level": ENV.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # ansinh.ops.middleware logs every request once; Django's own 4xx warnings repeat it.
        "django.request": {"level": "ERROR"},
    },
}

# A unit's email or phone change for a person it hired less than this many days before needs
# the person's confirmation or a counter identity check (issue 11 c, docs/dossiers.md).
UNIT_HIRE_CONFIRMATION_DAYS = env_int("UNIT_HIRE_CONFIRMATION_DAYS", 30)

# Hire lines whose BHXH code and date of birth name no one, allowed per unit/organisation key
# and day; past it a report with such a line is refused whole (429 too_many_unmatched_people),
# so a key cannot guess dates of birth (issue 11 c, docs/contributions.md).
UNIT_UNMATCHED_HIRES_PER_DAY = env_int("UNIT_UNMATCHED_HIRES_PER_DAY", 20)

# Correction cases (issue 15 §2, docs/contributions.md): working days for the unit's answer
# and, once disputed or escalated, for the office's decision.
CORRECTION_CASE_UNIT_WORKING_DAYS = env_int("CORRECTION_CASE_UNIT_WORKING_DAYS", 10)
CORRECTION_CASE_OFFICE_WORKING_DAYS = env_int("CORRECTION_CASE_OFFICE_WORKING_DAYS", 10)
