"""Replay the hostile probe of issue 11 §1 against the real servers, over HTTP only.

    .venv/bin/python bench/attacks.py [--targets serve,run] [--only b,n,…]
        [--database NAME] [--redis-db N] [--output FILE]

For each target it starts a throw-away server on loopback and attacks it from outside, as the
attacker did (``http.client`` only, no Django test client):

* ``serve``: ``ansinh serve`` in the production profile (``harness.ProductionStack``: PostgreSQL
  database ``--database``, default ``ansinh_attacks``, dropped and re-created; Redis db
  ``--redis-db``, default 13, flushed; the SMTP relay is the harness's aiosmtpd sink), one
  ``ansinh worker``;
* ``run``: ``ansinh run`` (embedded profile) on a SQLite file in a temporary directory, with the
  same SMTP sink as its relay (``SMTP_HOST``), so both read mail the same way.

Both get ``TRUSTED_PROXY_COUNT=1`` and every attack sends its own ``X-Forwarded-For`` address
(as behind the reverse proxy of docs/operations.md): the attacks then do not spend each other's
per-address allowances, and each one sees exactly the limits a single address has. Accounts the
attacks need (with emails and a known password) are created with ``ansinh shell`` before the
attacks start; the demo data (``ansinh demo``) gives the unit key and the staff. The CAPTCHA of
the production profile is real: the replay solves it as a test can, by reading the answer from
the ``captcha_captchastore`` row the challenge created.

Each attack prints and reports PASS or FAIL with the figures seen; the exit status is 1 when any
attack still works. Bounded: a few hundred requests per attack, the whole run about 2–4 minutes
per target; loopback only; every process it starts is stopped at the end (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import http.client
import json
import os
import re
import resource
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    ANSINH,
    INHERITED_ENV,
    LOGS,
    LOOPBACK,
    REPO,
    RESULTS,
    BenchError,
    ProductionStack,
    Report,
    SmtpSink,
    command_line,
    free_port,
    load_average,
    machine,
    markdown_table,
    run_main,
    step,
    stop_on_signals,
)
from slowclients import SlowClients, wait_until_answers  # noqa: E402

PASSWORD = "Attack-Probe-2026-x"  # noqa: S105 - the throw-away accounts of this run
NEW_PASSWORD = "Attack-Probe-New-2026-y"  # noqa: S105
FIRST_CODE = 9_800_000_000  # BHXH codes 98000000xx: far from the demo data's
ACCOUNTS = 40  # citizen accounts with an email and PASSWORD
UNREGISTERED = 10  # persons without an account (registration)
DEMO_UNIT_KEY = "demo-unit-key-TA01234"  # noqa: S105 - public demo data (DESIGN §5)
STAFF = ("canbo1", "Staff-Demo-2026-1")  # public demo data (DESIGN §5)

SETUP = r"""
import datetime as dt
from django.contrib.auth.hashers import make_password
from ansinh.accounts.models import Role, User
from ansinh.people.models import Person
encoded = make_password(PASSWORD)
def cccd(i):
    return "001180" + f"{FIRST % 1000000 + i:06d}"[-6:]
persons = Person.objects.bulk_create([
    Person(bhxh_code=str(FIRST + i), cccd=cccd(i), full_name=f"Người Thử {i}",
           date_of_birth=dt.date(1980, 1, 1), sex="F", province_code="01",
           email=f"attack{i}@example.test", email_verified=True)
    for i in range(COUNT + EXTRA)
])
User.objects.bulk_create([
    User(username=p.bhxh_code, role=Role.CITIZEN, person=p, password=encoded)
    for p in persons[:COUNT]
])
print("OK", len(persons))
"""

ISSUE_CARD = r"""
import datetime as dt
from ansinh.cards import services as cards
from ansinh.lib.actor import Actor
from ansinh.people.models import HealthFacility, Person
person = Person.objects.get(bhxh_code=CODE)
facility = HealthFacility.objects.order_by("code").first()
today = dt.date.today()
card = cards.issue_card(person=person, group="DN", benefit_level=4, facility=facility,
    valid_from=today - dt.timedelta(days=30), valid_to=today + dt.timedelta(days=335),
    five_years_from=None, actor=Actor.command())
print("QR", cards.qr_payload(card))
"""


def code(i: int) -> str:
    return str(FIRST_CODE + i)


def cccd(i: int) -> str:
    return "001180" + f"{FIRST_CODE % 1000000 + i:06d}"[-6:]


def mail(i: int) -> str:
    return f"attack{i}@example.test"


# --- HTTP from outside ---------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return {}

    def error(self) -> dict[str, Any]:
        """The ``error`` object of an API error answer (code, message, fields, extras)."""
        body = self.json()
        found = body.get("error") if isinstance(body, dict) else None
        return found if isinstance(found, dict) else {}

    def code(self) -> str | None:
        return self.error().get("code")

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def cookies(self) -> list[str]:
        return [v for k, v in self.headers if k.lower() == "set-cookie"]


_ip_counter = iter(range(1, 1_000_000))


def new_ip() -> str:
    """A fresh client address for X-Forwarded-For (documentation range TEST-NET-2; it never
    leaves the loopback connection: only the server reads it)."""
    n = next(_ip_counter)
    return f"198.51.{n // 250 % 250}.{n % 250 + 1}"


class Client:
    def __init__(self, base_url: str) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)

    def call(
        self,
        method: str,
        path: str,
        *,
        ip: str,
        json_body: Any = None,
        body: bytes | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Answer:
        sent = {"X-Forwarded-For": ip, "Host": f"{self.host}:{self.port}", **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            content_type = "application/json"
        if content_type:
            sent["Content-Type"] = content_type
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            return Answer(response.status, response.getheaders(), response.read())
        finally:
            conn.close()

    def login(self, username: str, password: str, *, ip: str, **extra: str) -> Answer:
        return self.call(
            "POST",
            "/api/v1/auth/login",
            ip=ip,
            json_body={"username": username, "password": password, **extra},
        )


class Browser:
    """A web session: cookies kept by hand (``http.cookiejar`` drops Secure cookies on plain
    HTTP, and the production profile marks them Secure), the CSRF token read from forms."""

    def __init__(self, client: Client, ip: str) -> None:
        self.client, self.ip = client, ip
        self.jar: dict[str, str] = {}

    def _send(self, method: str, path: str, **kwargs: Any) -> Answer:
        headers = kwargs.pop("headers", {})
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        answer = self.client.call(method, path, ip=self.ip, headers=headers, **kwargs)
        for cookie in answer.cookies():
            name, _, rest = cookie.partition("=")
            self.jar[name.strip()] = rest.split(";", 1)[0]
        return answer

    def get(self, path: str) -> Answer:
        return self._send("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        return self._send(
            "POST",
            path,
            body=urlencode(fields).encode(),
            content_type="application/x-www-form-urlencoded",
            headers={"Referer": f"http://{self.client.host}:{self.client.port}{path}"},
        )


def hidden(html: bytes, name: str) -> str | None:
    text = html.decode(errors="replace")
    for tag in re.findall(r"<input[^>]*>", text):
        if re.search(rf'name="{re.escape(name)}"', tag):
            found = re.search(r'value="([^"]*)"', tag)
            return found.group(1) if found else ""
    return None


# --- The servers ---------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    base_url: str
    smtp: SmtpSink
    query: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]
    shell: Callable[[str], str]
    production: bool
    description: str


def _setup_code() -> str:
    return (
        SETUP.replace("PASSWORD", repr(PASSWORD))
        .replace("FIRST", str(FIRST_CODE))
        .replace("COUNT", str(ACCOUNTS))
        .replace("EXTRA", str(UNREGISTERED))
    )


@contextlib.contextmanager
def serve_target(args: argparse.Namespace) -> Iterator[Target]:
    keys = Path(tempfile.mkdtemp(prefix="ansinh-attacks-")) / "card-keys.json"
    with ProductionStack(
        name="attacks-serve",
        database=args.database,
        redis_db=args.redis_db,
        extra_env={
            "TRUSTED_PROXY_COUNT": "1",
            "CARD_KEYS_FILE": str(keys),
            "CARD_KEYS_GENERATE": "1",
            "LOG_LEVEL": "WARNING",
        },
    ) as stack:
        stack.setup(synthetic=50)
        stack.ansinh("collectstatic", "--no-input", "--verbosity", "0")
        stack.ansinh("shell", "--command", _setup_code())
        stack.serve(threads=2)
        stack.worker()

        def query(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
            with stack.connect() as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())

        yield Target(
            "serve",
            stack.base_url,
            stack.smtp,
            query,
            lambda c: stack.ansinh("shell", "--command", c),
            True,
            f"`ansinh serve`, production profile, PostgreSQL `{args.database}`, Redis db "
            f"{args.redis_db}, WEB_CONCURRENCY=2, one `ansinh worker` (logs: "
            f"{stack.log_dir.relative_to(REPO)})",
        )


@contextlib.contextmanager
def run_target(args: argparse.Namespace) -> Iterator[Target]:
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"attacks-run-{time.strftime('%Y%m%d-%H%M%S')}.log"
    smtp = SmtpSink()
    smtp.start()
    try:
        with tempfile.TemporaryDirectory(prefix="ansinh-attacks-") as directory:
            database = Path(directory) / "ansinh.sqlite3"
            env = {key: os.environ[key] for key in INHERITED_ENV if key in os.environ}
            env.update(
                SQLITE_PATH=str(database),
                MEDIA_ROOT=str(Path(directory) / "media"),
                CARD_KEYS_FILE=str(Path(directory) / "card-keys.json"),
                PROMETHEUS_MULTIPROC_DIR=str(Path(directory) / "prometheus"),
                SECRET_KEY=secrets.token_urlsafe(50),
                SMTP_HOST=smtp.host,
                SMTP_PORT=str(smtp.port),
                TRUSTED_PROXY_COUNT="1",
                LOG_LEVEL="WARNING",
                PYTHONUNBUFFERED="1",
            )

            def shell(command: str) -> str:
                result = subprocess.run(  # noqa: S603 - our own command
                    [str(ANSINH), "shell", "--command", command],
                    env=env,
                    cwd=REPO,
                    capture_output=True,
                    timeout=300,
                    check=False,
                )
                output = (result.stdout + result.stderr).decode(errors="replace")
                if result.returncode:
                    raise BenchError(f"ansinh shell failed:\n{output}")
                return output

            def query(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
                with contextlib.closing(sqlite3.connect(database, timeout=20)) as conn:
                    return list(conn.execute(sql, params).fetchall())

            with log.open("ab") as log_file:
                process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
                    [str(ANSINH), "run", "--host", LOOPBACK, "--port", str(port)],
                    env=env,
                    cwd=REPO,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                try:
                    wait_until_answers(process, port, log, 300)
                    shell(_setup_code())
                    yield Target(
                        "run",
                        f"http://{LOOPBACK}:{port}",
                        smtp,
                        query,
                        shell,
                        False,
                        f"`ansinh run`, embedded profile, SQLite in a temporary directory, SMTP "
                        f"relay = the aiosmtpd sink (log: {log.relative_to(REPO)})",
                    )
                finally:
                    process.terminate()
                    try:
                        process.wait(15)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
    finally:
        smtp.stop()


TARGETS = {"serve": serve_target, "run": run_target}


# --- Helpers of the attacks ----------------------------------------------------------------------


def texts(message: bytes) -> str:
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    parts = [p for p in parsed.walk() if p.get_content_type() == "text/plain"]
    return "\n".join(str(p.get_content()) for p in parts)  # type: ignore[attr-defined]


def wait_mail(target: Target, recipient: str, after: int, timeout: float = 30) -> str:
    """The text of the first message to ``recipient`` beyond the ``after`` it had already."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = target.smtp.by_recipient().get(recipient, [])
        if len(got) > after:
            return texts(got[after].content)
        time.sleep(0.1)
    raise BenchError(f"no email to {recipient} within {timeout} s")


def mail_count(target: Target, recipient: str) -> int:
    return len(target.smtp.by_recipient().get(recipient, []))


def recover(
    target: Target, client: Client, i: int, *, ip: str
) -> tuple[str, str]:  # (recovery_id, otp)
    before = mail_count(target, mail(i))
    answer = client.call(
        "POST", "/api/v1/auth/recovery", ip=ip, json_body={"username": code(i), "email": mail(i)}
    )
    if answer.status != 202:
        raise BenchError(f"recovery of {code(i)}: {answer.status} {answer.body[:200]!r}")
    text = wait_mail(target, mail(i), before)
    otp = re.search(r"\b(\d{6})\b", text)
    if not otp:
        raise BenchError(f"no code in the recovery email:\n{text}")
    return answer.json()["recovery_id"], otp.group(1)


def temporary_password(target: Target, client: Client, i: int) -> str:
    ip = new_ip()
    recovery_id, otp = recover(target, client, i, ip=ip)
    before = mail_count(target, mail(i))
    answer = client.call(
        "POST", f"/api/v1/auth/recovery/{recovery_id}/verify", ip=ip, json_body={"otp": otp}
    )
    if answer.status != 200:
        raise BenchError(f"verify: {answer.status} {answer.body[:200]!r}")
    for _ in range(3):  # the credentials email (a notice may come first)
        text = wait_mail(target, mail(i), before)
        found = re.search(r"(?:Temporary password|Mật khẩu tạm thời): (\S+)", text)
        if found:
            return found.group(1)
        before += 1
    raise BenchError("no temporary password in the emails")


def token_alive(client: Client, tokens: dict[str, Any]) -> bool:
    """Does a pair still work: the access token reads /me, or the refresh token renews it?"""
    ip = new_ip()
    me = client.call(
        "GET", "/api/v1/me", ip=ip, headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    refresh = client.call(
        "POST",
        "/api/v1/auth/refresh",
        ip=ip,
        json_body={"refresh_token": tokens["refresh_token"]},
    )
    return me.status == 200 or refresh.status == 200


def solve_captcha(target: Target, key: str) -> str:
    rows = target.query("SELECT response FROM captcha_captchastore WHERE hashkey = ?", (key,))
    if not rows:
        raise BenchError(f"no captcha_captchastore row for {key}")
    return str(rows[0][0])


def parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported as the result
            results[index] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


@dataclass
class Verdict:
    letter: str
    title: str
    passed: bool
    figures: str


@dataclass
class Attacks:
    target: Target
    args: argparse.Namespace
    client: Client = field(init=False)
    verdicts: list[Verdict] = field(default_factory=list)
    next_account: int = 0

    def __post_init__(self) -> None:
        self.client = Client(self.target.base_url)

    def account(self) -> int:
        self.next_account += 1
        if self.next_account > ACCOUNTS:
            raise BenchError("out of attack accounts")
        return self.next_account - 1

    def verdict(self, letter: str, title: str, passed: bool, figures: str) -> None:
        self.verdicts.append(Verdict(letter, title, passed, figures))
        print(f"  {letter}: {'PASS' if passed else 'FAIL'} — {figures}", flush=True)

    # -- b. tokens minted with the old password ------------------------------------------------

    def _race(self, i: int, password: str, finish: Callable[[], Answer]) -> tuple[int, int, int]:
        """Logins with ``password`` on 6 threads while ``finish`` completes; returns (tokens
        minted, tokens alive afterwards, status of finish)."""
        minted: list[dict[str, Any]] = []
        stop = threading.Event()
        lock = threading.Lock()

        def logins() -> None:
            ip = new_ip()
            while not stop.is_set():
                answer = self.client.login(code(i), password, ip=ip)
                if answer.status == 200:
                    with lock:
                        minted.append(answer.json())

        threads = [threading.Thread(target=logins) for _ in range(6)]
        for thread in threads:
            thread.start()
        time.sleep(0.4)
        done = finish()
        time.sleep(0.8)
        stop.set()
        for thread in threads:
            thread.join(60)
        alive = sum(1 for tokens in minted if token_alive(self.client, tokens))
        return len(minted), alive, done.status

    def attack_b(self) -> None:
        rows = []
        survivors = 0
        for _ in range(self.args.rounds):
            i = self.account()
            ip = new_ip()
            recovery_id, otp = recover(self.target, self.client, i, ip=ip)
            minted, alive, status = self._race(
                i,
                PASSWORD,
                lambda rid=recovery_id, otp=otp, ip=ip: self.client.call(
                    "POST",
                    f"/api/v1/auth/recovery/{rid}/verify",
                    ip=ip,
                    json_body={"otp": otp, "new_password": NEW_PASSWORD},
                ),
            )
            rows.append(f"recovery: verify {status}, {minted} tokens minted, {alive} alive")
            survivors += alive
        for _ in range(self.args.rounds):
            i = self.account()
            first = self.client.login(code(i), PASSWORD, ip=new_ip()).json()
            bearer = {"Authorization": f"Bearer {first['access_token']}"}
            minted, alive, status = self._race(
                i,
                PASSWORD,
                lambda bearer=bearer: self.client.call(
                    "POST",
                    "/api/v1/auth/password",
                    ip=new_ip(),
                    headers=bearer,
                    json_body={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                ),
            )
            rows.append(f"change: {status}, {minted} tokens minted, {alive} alive")
            survivors += alive
        self.verdict(
            "b",
            "old-password tokens survive a reset / password change",
            survivors == 0,
            f"{survivors} surviving tokens; " + "; ".join(rows),
        )

    # -- n. a temporary password logs in several times ----------------------------------------

    def attack_n(self) -> None:
        i = self.account()
        temporary = temporary_password(self.target, self.client, i)
        results = parallel(8, lambda n: self.client.login(code(i), temporary, ip=new_ip()))
        statuses = [r.status if isinstance(r, Answer) else repr(r) for r in results]
        ok = statuses.count(200)
        self.verdict(
            "n", "temporary password used in parallel", ok == 1, f"8 parallel logins: {statuses}"
        )

    # -- s. the temporary password typed at the staff login --------------------------------------

    def attack_s(self) -> None:
        i = self.account()
        temporary = temporary_password(self.target, self.client, i)
        staff = Browser(self.client, new_ip())
        page = staff.get("/backoffice/login/")
        staff_answer = staff.post_form(
            "/backoffice/login/",
            self._login_fields(page.body, code(i), temporary),
        )
        portal = Browser(self.client, new_ip())
        page = portal.get("/dang-nhap/")
        answer = portal.post_form("/dang-nhap/", self._login_fields(page.body, code(i), temporary))
        location = answer.header("Location")
        worked = answer.status == 302 and "dang-nhap" not in location
        self.verdict(
            "s",
            "a citizen's temporary password typed at the staff login",
            worked,
            f"staff login answered {staff_answer.status}; then the portal login answered "
            f"{answer.status} → {location or '(no redirect)'}",
        )

    def _login_fields(self, html: bytes, username: str, password: str) -> dict[str, str]:
        fields = {
            "csrfmiddlewaretoken": hidden(html, "csrfmiddlewaretoken") or "",
            "username": username,
            "password": password,
        }
        key = hidden(html, "captcha_0")
        if key:
            fields["captcha_0"] = key
            fields["captcha_1"] = solve_captcha(self.target, key)
        return fields

    # -- c. unit keys enumerate the registry -----------------------------------------------------

    def attack_c(self) -> None:
        existing = [code(ACCOUNTS + n) for n in range(5)] + [code(n) for n in range(30, 35)]
        unknown = [str(9_700_000_000 + n * 7919) for n in range(10)]
        lines = [
            {"bhxh_code": c, "type": "leave", "from_month": "2026-01"}
            for pair in zip(existing, unknown, strict=True)
            for c in pair
        ]
        answer = self.client.call(
            "POST",
            "/api/v1/unit/reports",
            ip=new_ip(),
            headers={"X-API-Key": DEMO_UNIT_KEY},
            json_body={
                "reference": f"probe-{uuid.uuid4().hex[:8]}",
                "period": "2026-01",
                "lines": lines,
            },
        )
        errors = {}
        for line in answer.error().get("lines", []):
            number = int(line.get("line", 0))
            if 1 <= number <= len(lines):
                errors[lines[number - 1]["bhxh_code"]] = json.dumps(
                    line.get("fields"), sort_keys=True
                )
        seen_existing = {errors.get(c, "(no error)") for c in existing}
        seen_unknown = {errors.get(c, "(no error)") for c in unknown}
        same = answer.status < 500 and seen_existing == seen_unknown and len(seen_existing) == 1
        self.verdict(
            "c",
            "leave lines tell existing from unknown codes",
            same,
            f"{answer.status}; existing → {sorted(seen_existing)}; unknown → {sorted(seen_unknown)}",
        )

    # -- d. slow clients --------------------------------------------------------------------------

    def attack_d(self) -> None:
        port = self.client.port
        attack = SlowClients(LOOPBACK, port, count=300, interval=1.0)
        attack.start(ready_timeout=30)
        latencies: list[float] = []
        failures = 0
        try:
            deadline = time.monotonic() + 8
            n = 0
            while time.monotonic() < deadline:
                path = ("/healthz", "/readyz", "/dang-nhap/")[n % 3]
                n += 1
                started = time.perf_counter()
                try:
                    answer = self.client.call("GET", path, ip=new_ip(), timeout=5)
                    if answer.status == 200:
                        latencies.append(time.perf_counter() - started)
                    else:
                        failures += 1
                except OSError:
                    failures += 1
                time.sleep(0.05)
        finally:
            opened = attack.stats.open
            attack.stop()
        worst = max(latencies, default=float("inf"))
        self.verdict(
            "d",
            "300 idle/trickling sockets",
            failures == 0 and worst <= 1.0,
            f"{opened} slow sockets open; {len(latencies)} legitimate requests answered, "
            f"{failures} failed; median {statistics.median(latencies) * 1000 if latencies else 0:.0f} ms, "
            f"max {worst * 1000:.0f} ms",
        )

    # -- l and e. one address's failures; the allowance under a recovery flood -----------------

    def attack_le(self) -> None:
        ip = new_ip()
        statuses: dict[int, int] = {}
        for n in range(60):
            answer = self.client.login(str(9_600_000_000 + n), "wrong-password-123", ip=ip)
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
        i = self.account()
        right = self.client.login(code(i), PASSWORD, ip=ip)
        key = (right.error().get("captcha") or {}).get("key") if right.status == 429 else None
        if right.status == 200:
            l_ok, l_fig = True, "right password answered 200 without a challenge"
        elif key:
            solved = self.client.login(
                code(i),
                PASSWORD,
                ip=ip,
                captcha_key=key,
                captcha_answer=solve_captcha(self.target, key),
            )
            l_ok = solved.status == 200
            l_fig = (
                f"right password → {right.status} {right.code()}; with the CAPTCHA solved "
                f"(answer read from captcha_captchastore) → {solved.status}"
            )
        else:
            l_ok, l_fig = False, f"right password → {right.status} {right.code()}, no challenge"
        self.verdict(
            "l",
            "60 failures from one address lock out the right password",
            l_ok,
            f"60 failed logins from one address: {statuses}; {l_fig}",
        )
        # e: ~500 cheap recovery requests from the same address, then is its allowance intact?
        flood: dict[int, int] = {}
        for n in range(500):
            answer = self.client.call(
                "POST",
                "/api/v1/auth/recovery",
                ip=ip,
                json_body={"username": str(9_500_000_000 + n), "email": f"x{n}@example.test"},
            )
            flood[answer.status] = flood.get(answer.status, 0) + 1
        after = self.client.login(str(9_600_000_999), "wrong-password-123", ip=ip)
        held = after.status == 429 and after.code() == "captcha_required"
        self.verdict(
            "e",
            "a recovery flood evicts the address's login counter",
            held,
            f"500 recovery requests: {flood}; next failed login from that address → "
            f"{after.status} {after.code()}",
        )

    # -- f. recovery tells whether the typed email is on record ----------------------------------

    def attack_f(self) -> None:
        outcome = {}
        for label, i, typed in (
            ("on record", self.account(), None),
            ("not on record", self.account(), "someone-else@example.test"),
        ):
            ip = new_ip()
            sequence = []
            for identifier in [code(i)] * 5 + [cccd(i)]:
                answer = self.client.call(
                    "POST",
                    "/api/v1/auth/recovery",
                    ip=ip,
                    json_body={"username": identifier, "email": typed or mail(i)},
                )
                sequence.append(answer.status)
            outcome[label] = sequence
        self.verdict(
            "f",
            "(BHXH, E)×5 then (CCCD, E)",
            outcome["on record"] == outcome["not on record"],
            f"E on record: {outcome['on record']}; E not on record: {outcome['not on record']}",
        )

    # -- g/k. back-off and timing of unknown vs registered identifiers ---------------------------

    def attack_gk(self) -> None:
        def sequence(identifier: str) -> list[str]:
            ip = new_ip()
            seen = []
            for _ in range(7):
                answer = self.client.login(identifier, "wrong-password-123", ip=ip)
                seen.append(f"{answer.status}/{answer.header('Retry-After') or '-'}")
            return seen

        registered = self.account()
        unknown = "9400000001"
        seq_r, seq_u = sequence(code(registered)), sequence(unknown)
        # the person's CCCD after their BHXH code vs another person's CCCD
        other = self.account()
        ip = new_ip()
        after_own = self.client.login(cccd(registered), "wrong-password-123", ip=ip)
        after_other = self.client.login(cccd(other), "wrong-password-123", ip=new_ip())
        same = seq_r == seq_u and (after_own.status, after_own.header("Retry-After")) == (
            after_other.status,
            after_other.header("Retry-After"),
        )
        self.verdict(
            "g",
            "back-off of unknown vs registered identifiers; CCCD after BHXH code",
            same,
            f"registered: {seq_r}; unknown: {seq_u}; own CCCD after 7 BHXH failures → "
            f"{after_own.status}, another person's CCCD → {after_other.status}",
        )
        # k: a short timing sample, each identifier once, fresh addresses; medians only.
        times: dict[str, list[float]] = {"registered": [], "unknown": []}
        for n in range(self.args.timing_samples):
            for kind, identifier in (
                ("registered", code(self.next_account + n % (ACCOUNTS - self.next_account))),
                ("unknown", str(9_300_000_000 + n)),
            ):
                started = time.perf_counter()
                self.client.login(identifier, f"wrong-{n}-password", ip=new_ip())
                times[kind].append(time.perf_counter() - started)
        med_r = statistics.median(times["registered"]) * 1000
        med_u = statistics.median(times["unknown"]) * 1000
        self.verdict(
            "k",
            "login timing (sample only; the test is bench/login_timing.py)",
            True,
            f"N={self.args.timing_samples} each: median registered+wrong password "
            f"{med_r:.1f} ms, unknown {med_u:.1f} ms (difference {med_r - med_u:+.1f} ms; "
            "no verdict on timing here)",
        )

    # -- j. nested JSON and a huge offset ---------------------------------------------------------

    def attack_j(self) -> None:
        depth = 100_000
        nested = (
            b'{"reference": "probe-nested", "period": "2026-01", "lines": '
            + b"[" * depth
            + b"]" * depth
            + b"}"
        )
        report = self.client.call(
            "POST",
            "/api/v1/unit/reports",
            ip=new_ip(),
            headers={"X-API-Key": DEMO_UNIT_KEY},
            body=nested,
            content_type="application/json",
        )
        i = self.account()
        token = self.client.login(code(i), PASSWORD, ip=new_ip()).json()["access_token"]
        boundary = "probe" + uuid.uuid4().hex
        payload = "[" * 10_000 + "]" * 10_000  # under the 64 KB form-field limit
        multipart = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="payload"\r\n\r\n{payload}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="documents"; filename="a.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--{boundary}--\r\n"
        ).encode()
        dossier = self.client.call(
            "POST",
            "/api/v1/me/dossiers",
            ip=new_ip(),
            headers={"Authorization": f"Bearer {token}"},
            body=multipart,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        staff = self.client.login(*STAFF, ip=new_ip()).json().get("access_token", "")
        offset = self.client.call(
            "GET",
            f"/api/v1/staff/dossiers?offset={2**63}",
            ip=new_ip(),
            headers={"Authorization": f"Bearer {staff}"},
        )
        statuses = [report.status, dossier.status, offset.status]
        self.verdict(
            "j",
            "nested JSON / offset 2^63",
            all(400 <= s < 500 for s in statuses) and offset.status == 400 and report.status == 400,
            f"nested report ({depth} levels) → {report.status} {report.code()}; "
            f"nested payload (10000 levels) → {dossier.status} {dossier.code()}; staff queue "
            f"offset=2^63 → {offset.status} {offset.code()}",
        )

    # -- m. filing a taken CCCD -------------------------------------------------------------------

    def attack_m(self) -> None:
        answers = {}
        for label, new_cccd in (("taken", cccd(ACCOUNTS + 1)), ("free", "001180999999")):
            i = self.account()
            token = self.client.login(code(i), PASSWORD, ip=new_ip()).json()["access_token"]
            boundary = "probe" + uuid.uuid4().hex
            payload = json.dumps(
                {"form": "change_request", "office_code": "01001", "changes": {"cccd": new_cccd}}
            )
            body = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="payload"\r\n\r\n'
                f"{payload}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f'name="documents"; filename="cccd.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
                f"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n\r\n--{boundary}--\r\n"
            ).encode()
            answer = self.client.call(
                "POST",
                "/api/v1/me/dossiers",
                ip=new_ip(),
                headers={"Authorization": f"Bearer {token}"},
                body=body,
                content_type=f"multipart/form-data; boundary={boundary}",
            )
            answers[label] = (answer.status, answer.code())
        self.verdict(
            "m",
            "filing a taken CCCD",
            answers["taken"] == answers["free"],
            f"taken CCCD → {answers['taken']}; free CCCD → {answers['free']}",
        )

    # -- o. registration codes to spelling variants ----------------------------------------------

    def attack_o(self) -> None:
        # gmail.com: where dots of the local part do not matter (any domain ignores +tags and
        # case). The servers' relay is the loopback sink: nothing leaves this machine.
        local = f"flood{uuid.uuid4().hex[:6]}"
        variants = [
            f"{local}@gmail.com",
            f"{local.upper()}@gmail.com",
            f"{local[:3]}.{local[3:]}@gmail.com",
            f"{local}+a@gmail.com",
            f"{local}+b@GMAIL.com",
            f"{local[:2]}.{local[2:]}+c@gmail.com",
            f"{local}+d@gmail.com",
            f"{local.capitalize()}+e@gmail.com",
        ]
        statuses = []
        for n, typed in enumerate(variants):
            person = ACCOUNTS + (n % UNREGISTERED)
            browser = Browser(self.client, new_ip())
            page = browser.get("/dang-ky/")
            key = hidden(page.body, "captcha_0") or ""
            fields = {
                "csrfmiddlewaretoken": hidden(page.body, "csrfmiddlewaretoken") or "",
                "identifier": code(person),
                "full_name": f"Người Thử {person}",
                "date_of_birth": "1980-01-01",
                "phone": "0912345678",
                "email": typed,
                "office": "01001",
                "captcha_0": key,
                "captcha_1": solve_captcha(self.target, key) if key else "",
            }
            answer = browser.post_form("/dang-ky/", fields)
            statuses.append(answer.status)
        time.sleep(5)  # the task worker sends the codes
        lowered = {v.lower() for v in variants}
        sent = sum(
            len(messages)
            for recipient, messages in self.target.smtp.by_recipient().items()
            if recipient.lower() in lowered
        )
        self.verdict(
            "o",
            "registration codes to spelling variants of one mailbox",
            sent <= 3,
            f"{len(variants)} registrations (answers {statuses}) → {sent} codes emailed "
            "(limit REGISTRATION_EMAIL_RATE 3/h)",
        )

    # -- p. a replaced card ------------------------------------------------------------------------

    def attack_p(self) -> None:
        i = self.account()
        first = self.target.shell(ISSUE_CARD.replace("CODE", repr(code(i))))
        old = next(line.split(" ", 1)[1] for line in first.splitlines() if line.startswith("QR "))
        second = self.target.shell(ISSUE_CARD.replace("CODE", repr(code(i))))
        new = next(line.split(" ", 1)[1] for line in second.splitlines() if line.startswith("QR "))
        verify_old = self.client.call(
            "POST", "/api/v1/cards/verify", ip=new_ip(), json_body={"qr": old}
        )
        verify_new = self.client.call(
            "POST", "/api/v1/cards/verify", ip=new_ip(), json_body={"qr": new}
        )
        o, n = verify_old.json(), verify_new.json()
        self.verdict(
            "p",
            "a replaced card's QR",
            o.get("valid") is False and o.get("reason") == "revoked" and n.get("valid") is True,
            f"old card → valid={o.get('valid')} reason={o.get('reason')}; its replacement → "
            f"valid={n.get('valid')}",
        )

    # -- q. CAPTCHA minting ------------------------------------------------------------------------

    def attack_q(self) -> None:
        ip = new_ip()
        before = self.target.query("SELECT COUNT(*) FROM captcha_captchastore", ())[0][0]
        first_refused = None
        counts: dict[int, int] = {}
        for n in range(1, 401):
            answer = self.client.call(
                "GET", "/captcha/refresh/", ip=ip, headers={"X-Requested-With": "XMLHttpRequest"}
            )
            counts[answer.status] = counts.get(answer.status, 0) + 1
            if answer.status == 429 and first_refused is None:
                first_refused = n
        after = self.target.query("SELECT COUNT(*) FROM captcha_captchastore", ())[0][0]
        self.verdict(
            "q",
            "/captcha/refresh/ flood",
            first_refused is not None,
            f"400 refreshes from one address: {counts}; first 429 at request {first_refused}; "
            f"captcha rows {before} → {after}",
        )

    # -- r. cookies ---------------------------------------------------------------------------------

    def attack_r(self) -> None:
        browser = Browser(self.client, new_ip())
        page = browser.get("/dang-nhap/")
        lang = browser.post_form(
            "/i18n/setlang/",
            {
                "csrfmiddlewaretoken": hidden(page.body, "csrfmiddlewaretoken") or "",
                "language": "en",
                "next": "/",
            },
        )
        i = self.account()
        login = browser.post_form(
            "/dang-nhap/", self._login_fields(browser.get("/dang-nhap/").body, code(i), PASSWORD)
        )
        cookies = page.cookies() + lang.cookies() + login.cookies()
        bad = []
        names = set()
        for cookie in cookies:
            name = cookie.split("=", 1)[0]
            names.add(name)
            flags = cookie.lower()
            if "secure" not in flags or "samesite" not in flags:
                bad.append(name)
        if not self.target.production:
            self.verdict(
                "r",
                "cookie flags (embedded profile: plain HTTP for development, not judged)",
                True,
                f"cookies {sorted(names)}; without Secure or SameSite: {sorted(set(bad)) or 'none'}",
            )
            return
        self.verdict(
            "r",
            "cookies of the production profile",
            not bad and any(n.endswith("django_language") for n in names),
            f"cookies seen {sorted(names)}; without Secure or SameSite: {sorted(set(bad)) or 'none'}",
        )


ORDER = ("b", "n", "s", "c", "f", "g", "j", "m", "o", "p", "q", "r", "l", "d")


def run_attacks(attacks: Attacks, only: set[str]) -> None:
    methods: dict[str, Callable[[], None]] = {
        "b": attacks.attack_b,
        "n": attacks.attack_n,
        "s": attacks.attack_s,
        "c": attacks.attack_c,
        "f": attacks.attack_f,
        "g": attacks.attack_gk,
        "j": attacks.attack_j,
        "m": attacks.attack_m,
        "o": attacks.attack_o,
        "p": attacks.attack_p,
        "q": attacks.attack_q,
        "r": attacks.attack_r,
        "l": attacks.attack_le,
        "d": attacks.attack_d,
    }
    for letter in ORDER:
        if (
            only
            and letter not in only
            and not (letter == "g" and "k" in only)
            and not (letter == "l" and "e" in only)
        ):
            continue
        with step(f"{attacks.target.name}: attack {letter}"):
            try:
                methods[letter]()
            except (BenchError, OSError, KeyError, ValueError, TypeError) as exc:
                attacks.verdict(
                    letter, "could not be replayed", False, f"ERROR {type(exc).__name__}: {exc}"
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="serve,run")
    parser.add_argument("--only", default="", help="attack letters, e.g. b,n,q")
    parser.add_argument("--rounds", type=int, default=2, help="races per kind in attack b")
    parser.add_argument("--timing-samples", type=int, default=30)
    parser.add_argument("--database", default="ansinh_attacks")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--output", type=Path, default=RESULTS / "attacks.md")
    args = parser.parse_args()
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if unknown := set(targets) - set(TARGETS):
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    if not 1 <= args.rounds <= 5 or not 1 <= args.timing_samples <= 200:
        parser.error("--rounds must be 1–5 and --timing-samples 1–200 (bounded by design)")
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    stop_on_signals()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))

    started = time.monotonic()
    info = machine()
    report = Report("Issue 11's hostile probe replayed against the real servers")
    failed = []
    for name in targets:
        with step(f"{name}: start the server, load the demo data and the attack accounts"):
            context = TARGETS[name](args)
            target = context.__enter__()
        try:
            attacks = Attacks(target, args)
            run_attacks(attacks, only)
        finally:
            context.__exit__(None, None, None)
        failed += [f"{name} {v.letter}" for v in attacks.verdicts if not v.passed]
        report.add(
            name,
            target.description
            + "\n\n"
            + markdown_table(
                ["attack", "what", "verdict", "figures"],
                [
                    (
                        v.letter,
                        v.title,
                        "PASS" if v.passed else "**FAIL**",
                        v.figures.replace("|", "/"),
                    )
                    for v in attacks.verdicts
                ],
            ),
        )
    summary = (
        "every attack replayed failed" if not failed else f"still working: {', '.join(failed)}"
    )
    report.sections.insert(
        0,
        (
            "",
            f"`{command_line()}` — {time.monotonic() - started:.0f} s. **{summary}.**\n\n"
            "PASS: the attack no longer works. Over HTTP only, loopback; each attack sends its "
            "own X-Forwarded-For address (TRUSTED_PROXY_COUNT=1, as behind the reverse proxy) "
            "so one attack's per-address allowances do not spend another's. The CAPTCHA is "
            "solved by reading `captcha_captchastore` (a test's privilege, not an attacker's). "
            "Emails are read from an aiosmtpd sink that both servers use as their relay. "
            "Card replacement (p) is an office action, done with `ansinh shell` "
            "(`cards.services.issue_card`); the attack is the verification of the old QR.",
        ),
    )
    report.add(
        "Machine",
        markdown_table(["", ""], [*info, ("load average at end (1, 5, 15 min)", load_average())]),
    )
    path = report.write(args.output)
    print(f"{summary}\nwrote {path}")
    return 0 if not failed else 1


if __name__ == "__main__":
    run_main("attacks.py", main)
