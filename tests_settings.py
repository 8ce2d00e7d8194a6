"""Settings for the test suite: the embedded default (or DATABASE_URL / REDIS_URL when set),
with a fast hasher, the immediate task backend, the in-memory mail outbox and a CAPTCHA that
accepts "PASSED". None of this is reachable from ansinh/settings.py."""

import os
import tempfile

from ansinh.settings import *

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "ansinh.lib.hashers.Argon2idHasher",
]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CAPTCHA_TEST_MODE = True
SECURE_COOKIES = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
DEV_MAILBOX = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

if not DATABASE_URL:
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["OPTIONS"].pop("init_command", None)
# Replicas are off unless a test enables one (settings.DATABASE_REPLICAS = ["replica"]).
for _alias in DATABASE_REPLICAS:
    del DATABASES[_alias]
DATABASE_REPLICAS = []
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The streaming standby that ansinh/ops/tests/standby.py starts on a free loopback port
    # (it sets the port): a mirror of the primary's test database.
    DATABASES["replica"] = {
        **DATABASES["default"],
        "HOST": "127.0.0.1",
        "PORT": "1",  # nothing listens there until the standby starts
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 2},
        "TEST": {"MIRROR": "default"},
    }
if REDIS_URL:
    # Parallel test processes share the Redis database: each keeps its keys under its own
    # prefix, and the suite empties only its own (ansinh/conftest.py ``clear_caches``).
    for _alias, _cache in CACHES.items():
        _cache["KEY_PREFIX"] = (
            f"ansinh-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{_alias}"
        )

# The e-BHYT card signing key of the test run: generated into a private temporary directory,
# never the checkout's var/ (ansinh/cards/tests make and rotate their own keys).
CARD_KEYS_FILE = os.path.join(tempfile.mkdtemp(prefix="ansinh-test-keys-"), "card-keys.json")
CARD_KEYS_GENERATE = True
