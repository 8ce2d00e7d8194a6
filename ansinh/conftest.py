"""Personas and helpers shared by every test (STYLE §13): a citizen, a citizen without email,
an outsider (another citizen), a clerk, an approver, an office and a unit."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from ansinh.accounts.models import Role, User
from ansinh.lib.actor import Actor
from ansinh.people.models import Office, Person, Sex, Unit

CITIZEN_PASSWORD = "Vung-Tau-Bien-Xanh-2026"
OTHER_PASSWORD = "Ha-Long-Suong-Mu-2026"
STAFF_PASSWORD = "Van-Phong-Ba-Dinh-2026"


_GUARDED_SETTINGS = ("TASKS", "EMAIL_BACKEND", "CACHES", "PASSWORD_HASHERS", "CAPTCHA_TEST_MODE")


@pytest.fixture(autouse=True)
def _settings_are_restored() -> Iterator[None]:
    """Fail the test that leaves a changed setting behind (e.g. pytest-django's ``settings``
    fixture used inside an ``override_settings``: its teardown restores the override)."""
    from django.conf import settings

    before = {name: getattr(settings, name) for name in _GUARDED_SETTINGS}
    yield
    after = {name: getattr(settings, name) for name in _GUARDED_SETTINGS}
    assert after == before, "this test leaked a settings change"


def clear_caches() -> None:
    """Empty every cache of this test process, and only this process's: on Redis, parallel
    test processes (``-n 8``) share one database, each under its own key prefix
    (tests_settings.py), and ``ResilientRedisCache.clear`` deletes only its own prefix's keys
    (a ``FLUSHDB`` would wipe the others' rate-limit counters mid-test)."""
    from django.core.cache import caches

    for backend in caches.all(initialized_only=False):
        backend.clear()


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def office(db: None) -> Office:
    return Office.objects.create(code="01001", name="BHXH quận Ba Đình", province_code="01")


@pytest.fixture
def other_office(db: None) -> Office:
    return Office.objects.create(code="79001", name="BHXH Quận 1", province_code="79")


@pytest.fixture
def unit(office: Office) -> Unit:
    return Unit.objects.create(code="TA01234", name="Công ty TNHH An Khang", office=office)


def make_citizen(
    *,
    bhxh_code: str,
    cccd: str | None,
    full_name: str,
    dob: dt.date,
    sex: str,
    email: str = "",
    phone: str = "",
    password: str = CITIZEN_PASSWORD,
    language: str = "vi",
) -> User:
    person = Person.objects.create(
        bhxh_code=bhxh_code,
        cccd=cccd,
        full_name=full_name,
        date_of_birth=dob,
        sex=sex,
        province_code=bhxh_code[:2],
        email=email,
        email_verified=bool(email),
        phone=phone,
        address="12 Phố Kim Mã, Ba Đình, Hà Nội",
        language=language,
    )
    user = User(username=bhxh_code, role=Role.CITIZEN, person=person, language=language)
    user.set_password(password)
    user.save()
    return user


def make_staff(*, username: str, role: str, office: Office, password: str = STAFF_PASSWORD) -> User:
    user = User(
        username=username,
        role=role,
        office=office,
        full_name=f"Cán bộ {username}",
        email=f"{username}@bhxh.example",
    )
    user.set_password(password)
    user.save()
    return user


@pytest.fixture
def citizen(db: None) -> User:
    return make_citizen(
        bhxh_code="0123456789",
        cccd="001090012345",
        full_name="Nguyễn Văn An",
        dob=dt.date(1990, 5, 17),
        sex=Sex.MALE,
        email="an.nguyen@example.com",
        phone="0912345678",
    )


@pytest.fixture
def citizen_no_email(db: None) -> User:
    return make_citizen(
        bhxh_code="0123456790",
        cccd="001192012346",
        full_name="Trần Thị Bình",
        dob=dt.date(1992, 3, 8),
        sex=Sex.FEMALE,
    )


@pytest.fixture
def outsider(db: None) -> User:
    return make_citizen(
        bhxh_code="7912345678",
        cccd="079085001122",
        full_name="Lê Văn Cường",
        dob=dt.date(1985, 1, 2),
        sex=Sex.MALE,
        email="cuong.le@example.org",
        password=OTHER_PASSWORD,
    )


@pytest.fixture
def clerk(office: Office) -> User:
    return make_staff(username="canbo1", role=Role.CLERK, office=office)


@pytest.fixture
def approver(office: Office) -> User:
    return make_staff(username="canbo2", role=Role.APPROVER, office=office)


# --- Dossier personas (issue 4): the unit's API key and its employees -------------------------

UNIT_KEY = "test-unit-key-TA01234"


@pytest.fixture
def unit_key(unit: Unit) -> str:
    """The raw API key of unit TA01234, as its HR system sends it (``X-API-Key``)."""
    from ansinh.accounts.keys import issue_key

    issue_key(unit=unit, actor=Actor.command(), label="test", raw=UNIT_KEY)
    return UNIT_KEY


@pytest.fixture
def employees(unit: Unit, citizen: User, citizen_no_email: User) -> list[User]:
    """An and Bình, both currently employed at TA01234 (An since 2015-01, Bình since 2018-03)."""
    from ansinh.people.models import Employment

    for user, start in ((citizen, "2015-01"), (citizen_no_email, "2018-03")):
        assert user.person is not None
        Employment.objects.create(person=user.person, unit=unit, start_month=start)
    return [citizen, citizen_no_email]


class Api:
    """Calls ``/api/v1`` like the mobile app does, running on-commit work (email delivery)
    as a real commit would."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        lang: str | None = None,
        raw: bytes | str | None = None,
        remote_addr: str = "203.0.113.7",
        headers: dict[str, str] | None = None,
    ) -> Any:
        extra: dict[str, Any] = {"REMOTE_ADDR": remote_addr}
        if token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if lang:
            extra["HTTP_ACCEPT_LANGUAGE"] = lang
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        with _on_commit():
            return self.client.generic(
                method, "/api/v1" + path, data=data or b"", content_type="application/json", **extra
            )

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def login(self, username: str, password: str, **kwargs: Any) -> dict[str, Any]:
        response = self.post("/auth/login", {"username": username, "password": password}, **kwargs)
        assert response.status_code == 200, response.content
        return dict(response.json())


class _on_commit:  # noqa: N801 - used as a context manager
    """Run ``transaction.on_commit`` callbacks of the wrapped call, as a real commit would."""

    def __enter__(self) -> None:
        from django.test import TestCase

        self._cm = TestCase.captureOnCommitCallbacks(execute=True)
        self._cm.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._cm.__exit__(*exc)


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


def run_db_worker(worker_id: str = "test-worker") -> None:
    """Run django-tasks-db's worker over the database queue until it is empty, as
    ``ansinh worker`` would (for tests that use the database task backend)."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


def run_on_commit() -> Any:
    """For tests that call services directly: ``with run_on_commit(): …``."""
    return _on_commit()


__all__ = ["Api", "make_citizen", "make_staff", "run_db_worker", "run_on_commit", "transaction"]
