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
if REDIS_URL:
    # Parallel test processes must not share counters.
    CACHES["default"]["KEY_PREFIX"] = "ansinh-test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    CACHES["ratelimit"]["KEY_PREFIX"] = CACHES["default"]["KEY_PREFIX"] + "-rl"

# The e-BHYT card signing key of the test run: generated into a private temporary directory,
# never the checkout's var/ (ansinh/cards/tests make and rotate their own keys).
CARD_KEYS_FILE = os.path.join(tempfile.mkdtemp(prefix="ansinh-test-keys-"), "card-keys.json")
CARD_KEYS_GENERATE = True
