"""API fuzzing (issue 7; docs/security.md, "API fuzzing and property tests").

Schemathesis reads ``/api/v1/openapi.json`` from the WSGI app itself (no network, no server)
and generates requests for every operation: schema-valid ones and schema-violating ones, each
operation as its own test. They go in-process to Django's WSGI handler with the credentials a
real client of that operation holds: a citizen's bearer token (``/me…`` and the token-guarded
``/auth/…`` operations), the unit's API key (``X-API-Key``, ``/unit/…``), a staff member's
token (``/staff/…``); public operations get none. Part of the generated requests name real
objects (a dossier with an attachment, a report, a live recovery, a signed card) so that the
fuzzer reaches the services, not only the 404 of an unknown id.

Every response must pass: no 5xx; its status documented for the operation; its
``Content-Type`` and body as documented; a schema-violating request answered 4xx.

Each operation is a plain parametrized test drawing from ``operation.as_strategy()``:
schemathesis' own ``schema.parametrize()`` sets pytest's private ``Node._nodeid``, which pytest
9.2 no longer has.

Realistic, not weakened: the cache (rate limits) is cleared before each request, as if each
came from a new client; the operations that revoke tokens (logout, password change) get
a token of their own; on-commit work (emails) runs as a real commit would run it. Deterministic
(``derandomize``) and bounded: ``EXAMPLES`` requests per operation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode

from ansinh.accounts.keys import issue_key
from ansinh.accounts.models import Role, User
from ansinh.accounts.services import issue_tokens
from ansinh.cards.services import issue_card, qr_payload
from ansinh.conftest import UNIT_KEY, Api, clear_caches, make_citizen, make_staff, run_on_commit
from ansinh.dossiers.tests.helpers import change_request, last_code
from ansinh.lib.actor import Actor
from ansinh.people.models import Employment, HealthFacility, Office, Sex, Unit

EXAMPLES = 15
STATEFUL_SCENARIOS = 30
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
OPERATIONS = {
    op.label: op for op in (cast(Any, result).ok() for result in SCHEMA.get_all_operations())
}

load_all_checks()
CHECKED = CHECKS.get_by_names(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "negative_data_rejection",
    ]
)

# The token-guarded operations outside /me and /staff: a citizen's own session.
CITIZEN_AUTH_PATHS = (
    "/auth/logout",
    "/auth/logout-all",
    "/auth/password",
    "/auth/devices",
    "/auth/devices/{device_id}/logout",
)
REVOKING = frozenset(CITIZEN_AUTH_PATHS)


def persona(operation: Any) -> str | None:
    """Who calls ``operation`` in real life: ``citizen``, ``staff``, ``unit`` or nobody."""
    path = operation.path.removeprefix("/api/v1")
    if path.startswith("/unit/reports/template."):
        return None  # the D02-LT templates: public, like the documentation
    if path.startswith("/unit/"):
        return "unit"
    if path.startswith("/staff/"):
        return "staff"
    if path == "/me" or path.startswith("/me/") or path in CITIZEN_AUTH_PATHS:
        return "citizen"
    return None


@dataclass
class World:
    citizen: User
    staff: User
    unit_key: str
    # Real values for path parameters and body fields, by name.
    path_values: dict[str, list[str]] = field(default_factory=dict)
    body_values: dict[str, list[str]] = field(default_factory=dict)

    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, operation: Any) -> dict[str, str]:
        who = persona(operation)
        if who == "unit":
            # The scheme the document declares (the key as a bearer token; X-API-Key works too):
            # a negative case that leaves the declared header out then reaches the API without it.
            return {"Authorization": "Bearer " + self.unit_key}
        if who is None:
            return {}
        user = self.staff if who == "staff" else self.citizen
        if operation.path.removeprefix("/api/v1") in REVOKING:
            # Logging out ends this token (logout-all every token): then the session is over.
            self.tokens.clear()
            return {
                "Authorization": "Bearer "
                + issue_tokens(user=user, device_name="fuzz").access_token
            }
        if who not in self.tokens:
            self.tokens[who] = issue_tokens(user=user, device_name="fuzz").access_token
        return {"Authorization": "Bearer " + self.tokens[who]}


@pytest.fixture
def fuzzing(db: None, world: World) -> Iterator[World]:
    """The world, inside this test's transaction, with the WSGI handler let run in it: Django's
    handler closes the database connection at the end of each request, which Django's own
    test client avoids the same way. Tokens are made anew: the last test's rolled back."""
    world.tokens.clear()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield world
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The personas and one of each object the API names by id, made through the API once for
    the module in a transaction rolled back at its end (each test's own changes roll back
    to here)."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        with transaction.atomic():
            yield _seed(Api(Client()))
            transaction.set_rollback(True)


def _seed(api: Api) -> World:
    office = Office.objects.create(code="01001", name="BHXH quận Ba Đình", province_code="01")
    unit = Unit.objects.create(code="TA01234", name="Công ty TNHH An Khang", office=office)
    issue_key(unit=unit, actor=Actor.command(), label="fuzz", raw=UNIT_KEY)
    citizen = make_citizen(
        bhxh_code="0123456789", cccd="001090012345", full_name="Nguyễn Văn An",
        dob=dt.date(1990, 5, 17), sex=Sex.MALE, email="an.nguyen@example.com",
        phone="0912345678",
    )  # fmt: skip
    assert citizen.person is not None
    Employment.objects.create(person=citizen.person, unit=unit, start_month="2015-01")
    staff = make_staff(username="canbo2", role=Role.APPROVER, office=office)
    world = World(citizen=citizen, staff=staff, unit_key=UNIT_KEY)

    filed = api.post(
        "/unit/dossiers",
        {"form": "TK1-TS", "bhxh_code": "0123456789", "changes": {"address": "1 Phố Huế"}},
        headers={"X-API-Key": UNIT_KEY},
    )
    assert filed.status_code == 201, filed.content
    citizen_token = issue_tokens(user=citizen, device_name="seed").access_token
    requested = change_request(api.client, citizen_token, changes={"phone": "0987654321"})
    assert requested.status_code == 201, requested.content
    dossier_id = requested.json()["dossier_id"]
    detail = api.get(f"/me/dossiers/{dossier_id}", token=citizen_token).json()
    report = api.post(
        "/unit/reports",
        {
            "reference": "FUZZ-1",
            "period": "2026-10",
            "lines": [
                {
                    "bhxh_code": "0123456789",
                    "type": "hire",
                    "from_month": "2026-10",
                    "salary": 12_000_000,
                    "date_of_birth": "1990-05-17",
                }
            ],
        },
        headers={"X-API-Key": UNIT_KEY},
    )
    assert report.status_code == 201, report.content
    recovery = api.post(
        "/auth/recovery", {"username": "0123456789", "email": "an.nguyen@example.com"}
    )
    assert recovery.status_code == 202, recovery.content
    facility = HealthFacility.objects.create(code="01001", name="Bạch Mai", province_code="01")
    with run_on_commit():
        card = issue_card(
            person=citizen.person,
            group="DN",
            benefit_level=4,
            facility=facility,
            valid_from=dt.date(2026, 1, 1),
            valid_to=dt.date(2099, 12, 31),
            five_years_from=None,
            actor=Actor.command(),
        )

    world.path_values = {
        "dossier_id": [filed.json()["dossier_id"], dossier_id],
        "attachment_id": [detail["attachments"][0]["id"]],
        "report_id": [report.json()["report_id"]],
        "recovery_id": [recovery.json()["recovery_id"]],
        "month": ["2026-10", "2026-11", "2015-01"],
    }
    world.body_values = {
        "bhxh_code": ["0123456789", "0123456790"],  # the employee; a code nobody has
        "qr": [qr_payload(card)],
        "username": ["0123456789", "001090012345"],
        "email": ["an.nguyen@example.com"],
    }
    return world


def _realistic(world: World, operation: Any) -> st.SearchStrategy[Any]:
    """Schema-valid and schema-violating requests; of the valid ones, some with real ids in
    the path and real identifiers in the body."""
    known = {
        name: st.sampled_from(world.path_values[name])
        for name in (p.name for p in operation.path_parameters)
        if name in world.path_values
    }
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    with_real_path = (
        st.fixed_dictionaries(known).flatmap(
            lambda values: operation.as_strategy(GenerationMode.POSITIVE, path_parameters=values)
        )
        if known
        else positive
    )

    def with_real_body(case: Any, pick: int) -> Any:
        if isinstance(case.body, dict):
            for name, values in world.body_values.items():
                if name in case.body:
                    case.body[name] = values[pick % len(values)]
        return case

    real_body = st.tuples(positive, st.integers(0, 7)).map(lambda t: with_real_body(*t))
    return st.one_of(
        positive,
        with_real_path,
        real_body,
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


# Schemathesis's WSGI transport asks for gzip (as ``requests`` does) but, unlike an HTTP
# client, does not decode the answer: the fuzzer asks for the plain encoding. The compressed
# history is checked in contributions/tests/test_history_gzip.py.
PLAIN = {"Accept-Encoding": "identity"}


def credentials(world: World, case: Any) -> dict[str, str]:
    """The caller's credentials, unless the case deliberately breaks its headers (a removed or
    mangled ``Authorization``): adding them back would make a schema-violating case valid."""
    header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if header is not None and not header.mode.is_positive:
        return dict(PLAIN)
    return {**PLAIN, **world.headers(case.operation)}


def _call(world: World, case: Any) -> Any:
    clear_caches()  # each request as from a new client: rate limits stay on, fuzzing goes on
    headers = credentials(world, case)
    with run_on_commit():
        response = case.call(headers=headers)
    case.validate_response(response, headers=headers, checks=CHECKED)
    return response


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_survives_fuzzing_and_answers_as_documented(
    label: str, fuzzing: World
) -> None:
    world = fuzzing
    operation = OPERATIONS[label]
    statuses: dict[str, int] = defaultdict(int)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_realistic(world, operation))
    def fuzz(case: Any) -> None:
        statuses[str(_call(world, case).status_code)] += 1

    fuzz()

    # The personas' credentials worked: not everything bounced off authentication.
    if persona(operation) is not None:
        assert set(statuses) - {"401"}, statuses


def test_every_operation_is_fuzzed_with_the_credentials_of_its_callers() -> None:
    """An operation that needs credentials gets a persona; a public one gets none."""
    assert len(OPERATIONS) >= 30
    for operation in OPERATIONS.values():
        secured = bool(operation.definition.raw.get("security"))
        assert secured == (persona(operation) is not None), operation.label


def test_linked_operations_survive_stateful_fuzzing(fuzzing: World) -> None:
    """Sequences that follow the document's links: a started recovery's ``recovery_id`` into
    verify and resend, a filed dossier's ``dossier_id`` into the staff's reads and decisions,
    a report's ``report_id`` into its read back."""
    world = fuzzing
    calls: dict[str, int] = defaultdict(int)

    class Machine(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            positive = case.meta is not None and case.meta.generation.mode.is_positive
            if positive and isinstance(case.body, dict):  # a known person: filing can succeed
                for name, values in world.body_values.items():
                    if name in case.body:
                        case.body[name] = values[0]

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            clear_caches()
            return {"headers": {**PLAIN, **world.headers(case.operation)}}

        def call(self, case: Any, **kwargs: Any) -> Any:
            with run_on_commit():
                return case.call(**kwargs)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            calls[case.operation.label] += 1
            case.validate_response(
                response, headers=kwargs.get("headers"), checks=CHECKED, transport_kwargs=kwargs
            )

    Machine.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=4,
            # No shrinking: replaying a scenario against a changed database draws differently
            # (hypothesis' FlakyStrategyDefinition); a failure is reported as found.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert sum(calls.values()) >= STATEFUL_SCENARIOS, dict(calls)


@pytest.mark.parametrize(
    ("source", "status", "link", "target"),
    [
        ("/auth/recovery", "202", "verify", "/auth/recovery/{recovery_id}/verify"),
        ("/auth/recovery", "202", "resend", "/auth/recovery/{recovery_id}/resend"),
        ("/unit/dossiers", "201", "staff_dossier", "/staff/dossiers/{dossier_id}"),
        ("/unit/dossiers", "201", "staff_decide", "/staff/dossiers/{dossier_id}/decision"),
        ("/staff/dossiers", "201", "staff_dossier", "/staff/dossiers/{dossier_id}"),
        ("/unit/reports", "201", "get_report", "/unit/reports/{report_id}"),
        ("/unit/reports", "200", "get_report", "/unit/reports/{report_id}"),
    ],
)
def test_the_documents_links_name_the_operation_and_the_id_it_takes(
    source: str, status: str, link: str, target: str
) -> None:
    """What the stateful fuzz (and a client) follows: the link names the operation by id and
    fills its path parameter from the field of the response that carries it."""
    paths = SCHEMA.raw_schema["paths"]
    found = paths["/api/v1" + source]["post"]["responses"][status]["links"][link]
    (parameter, expression), *_ = found["parameters"].items()
    operation = next(op for op in paths["/api/v1" + target].values())

    assert found["operationId"] == operation["operationId"]
    assert "{" + parameter + "}" in target
    assert expression == f"$response.body#/{parameter}"


def test_a_started_recoverys_linked_id_reaches_verify(fuzzing: World) -> None:
    api = Api(Client())
    started = api.post(
        "/auth/recovery", {"username": "0123456789", "email": "an.nguyen@example.com"}
    )
    recovery_id = started.json()["recovery_id"]  # $response.body#/recovery_id

    wrong = f"{(int(last_code('an.nguyen@example.com')) + 1) % 10**6:06d}"

    response = api.post(f"/auth/recovery/{recovery_id}/verify", {"otp": wrong})

    assert response.status_code == 400  # a live recovery: a wrong code, not 410 "expired"
    assert response.json()["error"]["attempts_left"] == 4
