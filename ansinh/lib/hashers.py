"""Password hashing parameters and their memory bound (DESIGN §3.2, docs/security.md,
docs/operations.md "Sizing")."""

from __future__ import annotations

import threading

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def hash_slots() -> threading.BoundedSemaphore:
    """The process-wide limit on argon2 computations running at once."""
    global _slots
    if _slots is None:
        with _slots_lock:
            if _slots is None:
                _slots = threading.BoundedSemaphore(max(1, settings.PASSWORD_HASH_CONCURRENCY))
    return _slots


class Argon2idHasher(Argon2PasswordHasher):
    """argon2id with OWASP's minimum profile: m=19 MiB, t=2, p=1.

    Django's default (m=100 MiB, p=8) costs five times the memory per login; at national
    scale the memory per concurrent verification decides how many logins a process can take.
    Hashes made with Django's default parameters still verify and are upgraded on login.

    The algorithm name stays Django's ``"argon2"`` (encoded ``argon2$argon2id$v=19$m=…``): the
    variant and parameters live in the hash itself, so stock Django can still read our hashes
    and Django's hashes take the same code path (``must_update`` compares the parameters).

    Every hash and verification takes one of ``PASSWORD_HASH_CONCURRENCY`` slots of the
    process, so however many threads a login flood keeps busy, argon2 never holds more than
    that many × 19 MiB at once; the others wait their turn (and the login back-off and
    per-address limits keep the queue short).
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        with hash_slots():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with hash_slots():
            return bool(super().verify(password, encoded))
