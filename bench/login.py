"""Login rate against the raw argon2id verify rate (DESIGN §8: ≥ 90 %), measured side by side
in one run on the same cores with the same parameters.

Used by ``bench/run.py`` (``make bench``), on its ``harness.ProductionStack``:

* ``setup_users(stack, count)`` creates ``count`` citizen accounts that share one password hash
  made by the production hasher (``ansinh.lib.hashers.Argon2idHasher``: argon2id, m=19 MiB, t=2,
  p=1) and returns that encoded hash;
* ``raw_verify(encoded, processes, seconds)`` runs argon2-cffi's ``verify`` of that very hash in
  ``processes`` separate processes (as many as ``ansinh serve`` has web workers) for ``seconds``
  seconds: the hash bound of those cores;
* ``login_load(base_url, users, concurrency, seconds)`` sends ``POST /api/v1/auth/login`` for the
  accounts in turn, ``concurrency`` at a time, each on a new connection (a phone), for about
  ``seconds`` seconds; every answer must be 200 with tokens.

The login rate is counted at the client (wall clock, like the raw rate): logins/s ÷ verifies/s
is the share of the hash bound the whole login path reaches, with the client, PostgreSQL and
Redis on the same cores. The per-core variant divides each count by the CPU time the web workers
(resp. the hashing processes) used.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from dataclasses import dataclass

from harness import LOOPBACK, BenchError, ProductionStack, http_request, run_clients

PASSWORD = "Bench-Login-2026-x"  # noqa: S105 - a throw-away database's accounts
FIRST_CODE = 9_900_000_000  # BHXH codes 99000000xx: far from the demo data's

SETUP = r"""
import datetime as dt
from django.contrib.auth.hashers import make_password
from ansinh.accounts.models import Role, User
from ansinh.people.models import Person
encoded = make_password(PASSWORD)
persons = Person.objects.bulk_create([
    Person(bhxh_code=str(FIRST + i), full_name=f"Người Thử {i}", date_of_birth=dt.date(1980, 1, 1),
           sex="F", province_code="01")
    for i in range(COUNT)
])
User.objects.bulk_create([
    User(username=p.bhxh_code, role=Role.CITIZEN, person=p, password=encoded) for p in persons
])
print("HASH", encoded)
"""


def setup_users(stack: ProductionStack, count: int) -> tuple[list[str], str]:
    """``count`` citizen accounts with password ``PASSWORD``; their usernames and the hash."""
    code = (
        SETUP.replace("PASSWORD", repr(PASSWORD))
        .replace("FIRST", str(FIRST_CODE))
        .replace("COUNT", str(count))
    )
    output = stack.ansinh("shell", "--command", code)
    encoded = next(line.split()[1] for line in output.splitlines() if line.startswith("HASH "))
    if not encoded.startswith("argon2$argon2id$"):
        raise BenchError(f"the production hasher made {encoded[:30]}…, not argon2id")
    return [str(FIRST_CODE + i) for i in range(count)], encoded


# --- Raw argon2id verification --------------------------------------------------------------------


def _verify_for(encoded: str, seconds: float, start: float) -> tuple[int, float, float]:
    """In a separate process: verify ``PASSWORD`` against ``encoded`` until ``seconds`` have
    passed; return the count, the wall time and the CPU time it took."""
    import argon2

    hasher = argon2.PasswordHasher()
    # Django's encoding is "argon2" + argon2-cffi's ("$argon2id$v=19$m=…,t=…,p=…$salt$hash").
    native = encoded.removeprefix("argon2")
    while time.time() < start:  # start together
        time.sleep(0.001)
    count, t0, cpu0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        hasher.verify(native, PASSWORD)
        count += 1
    return count, time.perf_counter() - t0, time.process_time() - cpu0


@dataclass(frozen=True)
class RawRate:
    per_second: float  # verifies per second over all processes (wall)
    per_cpu_second: float


def raw_verify(encoded: str, *, processes: int, seconds: float) -> RawRate:
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        start = time.time() + 1.0  # time for every process to start and import argon2
        results = pool.starmap(_verify_for, [(encoded, seconds, start)] * processes)
    return RawRate(
        per_second=sum(count / wall for count, wall, _ in results),
        per_cpu_second=sum(count for count, _, _ in results) / sum(cpu for _, _, cpu in results),
    )


# --- Logins through the web server ----------------------------------------------------------------


@dataclass(frozen=True)
class LoginRound:
    count: int
    wall: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.count / self.wall


def login_load(base_url: str, users: list[str], *, concurrency: int, seconds: float) -> LoginRound:
    """Logins in a closed loop, ``concurrency`` in flight, until ``seconds`` have passed."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(1 << 30))
    started = time.perf_counter()
    deadline = started + seconds

    def client() -> None:
        local: list[float] = []
        while time.perf_counter() < deadline and not errors:
            with lock:
                username = users[next(counter) % len(users)]
            body = json.dumps(
                {"username": username, "password": PASSWORD, "device_name": "bench"}
            ).encode()
            t0 = time.perf_counter()
            status, answer = http_request(
                "POST",
                base_url + "/api/v1/auth/login",
                body=body,
                headers={"Content-Type": "application/json", "Host": LOOPBACK},
            )
            local.append(time.perf_counter() - t0)
            if status != 200 or b'"access_token"' not in answer:
                errors.append(f"{status} {answer[:200]!r}")
        with lock:
            latencies.extend(local)

    run_clients(client, concurrency)
    wall = time.perf_counter() - started
    if errors:
        raise BenchError(f"{len(errors)} failed logins, e.g. {errors[0]}")
    return LoginRound(count=len(latencies), wall=wall, latencies=latencies)
