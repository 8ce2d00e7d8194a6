"""A JSON report is read as it arrives, not held whole in memory (issue 11, defect h: a 24 MB
body added 627 MB to a web process). Checked by structure, never by timing or memory: the
lines reach the service while most of the body is still unread, and the line limit stops the
reading at the first line over it. ``bench/report_memory.py`` measures the memory."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test.client import FakePayload

from ansinh.api import unit_report_routes
from ansinh.contributions.models import Report

from .conftest import line, send

pytestmark = pytest.mark.django_db


class CountingPayload(FakePayload):
    """The request body as the server hands it to Django, counting what has been read."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.content = content
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        self.consumed += len(data)
        return data


def _lines(n: int) -> list[dict[str, Any]]:
    return [line(f"01{i:08d}", "hire", "2026-10", salary=9_000_000 + i) for i in range(n)]


def _post(client: Any, key: str, payload: CountingPayload) -> Any:
    return client.generic(
        "POST",
        "/api/v1/unit/reports",
        data=payload.content,
        content_type="application/json",
        HTTP_X_API_KEY=key,
        **{"wsgi.input": payload},
    )


def test_report_lines_reach_the_service_before_the_whole_body_is_read(
    client, unit_key, monkeypatch
):
    body = json.dumps({"reference": "R-1", "period": "2026-10", "lines": _lines(20_000)}).encode()
    payload = CountingPayload(body)
    seen: dict[str, Any] = {}

    def fake_ingest(**kwargs: Any) -> Any:
        seen["first"] = next(iter(kwargs["lines"]))
        seen["read"] = payload.consumed
        raise unit_report_routes.ReportRejected(fields={"lines": "stopped_by_test"})

    monkeypatch.setattr(unit_report_routes, "ingest_report", fake_ingest)

    response = _post(client, unit_key, payload)

    assert response.status_code == 422
    assert seen["first"]["bhxh_code"] == "0100000000"
    # A few reads of 64 KiB of a body of about 2 MB when the first line arrives.
    assert seen["read"] <= 4 * (1 << 16) < len(body) // 4


def test_the_line_limit_stops_reading_the_body_at_the_first_line_over_it(
    client, unit_key, settings
):
    settings.REPORT_MAX_LINES = 10
    body = json.dumps({"reference": "R-1", "period": "2026-10", "lines": _lines(20_000)}).encode()

    payload = CountingPayload(body)
    response = _post(client, unit_key, payload)

    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"] == {"lines": "too_many_lines"}
    assert payload.consumed < len(body) // 4
    assert not Report.objects.exists()


def test_the_line_limit_also_stops_a_body_that_sends_its_lines_first(client, unit_key, settings):
    settings.REPORT_MAX_LINES = 10
    body = json.dumps({"lines": _lines(20_000), "reference": "R-1", "period": "2026-10"}).encode()

    payload = CountingPayload(body)
    response = _post(client, unit_key, payload)

    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"] == {"lines": "too_many_lines"}
    assert payload.consumed < len(body) // 4


def test_lines_sent_before_reference_and_period_are_read_all_the_same(api, citizen, unit_key):
    lines = [line("0123456789", "hire", "2026-09", salary=9_000_000)]
    raw = json.dumps({"lines": lines, "period": "2026-10", "reference": "R-1"}, indent=2)

    response = api.call("POST", "/unit/reports", raw=raw, headers={"X-API-Key": unit_key})

    assert response.status_code == 201, response.content
    assert response.json()["counts"]["hire"] == 1
    # The same report in the usual order is the same report: a replay, not a conflict.
    again = send(api, unit_key, "R-1", "2026-10", lines)
    assert again.status_code == 200 and again.json()["replayed"] is True


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        # Duplicate keys stay refused, in a line and around the lines.
        (
            '{"reference": "R-1", "period": "2026-10", "lines": [{"bhxh_code": "0123456789",'
            ' "bhxh_code": "0123456790", "type": "leave", "from_month": "2026-10"}]}',
            400,
            "invalid_json",
        ),
        (
            '{"reference": "R-1", "period": "2026-10", "lines": [], "lines": []}',
            400,
            "invalid_json",
        ),
        (
            '{"reference": "R-1", "period": "2026-10", "lines": [], "period": "2026-09"}',
            400,
            "invalid_json",
        ),  # fmt: skip
        # An unknown member after the lines is found after them, still before anything is stored.
        (
            '{"reference": "R-1", "period": "2026-10", "lines": [{}], "extra": 1}',
            400,
            "invalid_input",
        ),  # fmt: skip
        ('{"reference": "R-1", "period": "2026-10", "lines": [{}]} []', 400, "invalid_json"),
        ('{"reference": "R-1", "period": "2026-10", "lines": [{}', 400, "invalid_json"),
        ('{"reference": "R-1", "period": "2026-10", "lines": [{},]}', 400, "invalid_json"),
        ('{"reference": "R-1", "period": "2026-10", "lines": [1 2]}', 400, "invalid_json"),
        ('{"reference": "R-1", "period": "2026-10"}', 400, "invalid_input"),
        ("[]", 400, "invalid_json"),
        ("   ", 400, "invalid_json"),
        # One line larger than any real line (64 KiB) is refused, not buffered.
        (
            '{"reference": "R-1", "period": "2026-10", "lines": [{"job_title": "%s"}]}'
            % ("x" * 70_000),
            413,
            "line_too_large",
        ),
    ],
)
def test_malformed_streamed_reports_are_refused_whole(api, citizen, unit_key, raw, status, code):
    response = api.call("POST", "/unit/reports", raw=raw, headers={"X-API-Key": unit_key})

    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not Report.objects.exists()


def test_many_unknown_members_are_refused_without_being_kept(api, unit_key):
    members = ", ".join(f'"m{i}": {i}' for i in range(10_000))
    raw = '{"reference": "R-1", "period": "2026-10", %s, "lines": []}' % members  # noqa: UP031

    response = api.call("POST", "/unit/reports", raw=raw, headers={"X-API-Key": unit_key})

    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid_json", "invalid_input")
