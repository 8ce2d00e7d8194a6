"""Password hashing parameters (DESIGN §3.2, docs/security.md)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """argon2id with OWASP's minimum profile: m=19 MiB, t=2, p=1.

    Django's default (m=100 MiB, p=8) costs five times the memory per login; at national
    scale the memory per concurrent verification decides how many logins a process can take.
    Hashes made with Django's default parameters still verify and are upgraded on login.

    The algorithm name stays Django's ``"argon2"`` (encoded ``argon2$argon2id$v=19$m=…``): the
    variant and parameters live in the hash itself, so stock Django can still read our hashes
    and Django's hashes take the same code path (``must_update`` compares the parameters).
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
