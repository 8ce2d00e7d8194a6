"""The history sent compressed to a client that accepts gzip (issue 16): ≈ 32 KB of JSON for
35 years is ≈ 3 KB to send to a phone, compressed once when the snapshot is stored."""

from __future__ import annotations

import gzip
import json

import pytest

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.contributions.models import ParticipationSnapshot
from ansinh.contributions.participation import gzipped

from .conftest import line, participation, send

pytestmark = pytest.mark.django_db


def history(api, token, encodings):
    response = api.get("/me/participation", token=token, headers={"Accept-Encoding": encodings})
    assert response.status_code == 200, response.content
    assert "Accept-Encoding" in response.headers["Vary"]
    return response


def test_a_client_that_accepts_gzip_gets_the_same_document_compressed(api, reported, citizen):
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    plain = history(api, token, "identity")
    assert "Content-Encoding" not in plain.headers

    for accepted in ("gzip, deflate, br", "br;q=1.0, gzip;q=0.8"):
        packed = history(api, token, accepted)
        assert packed.headers["Content-Encoding"] == "gzip"
        assert packed.headers["Content-Type"] == plain.headers["Content-Type"]
        assert json.loads(gzip.decompress(packed.content)) == plain.json()
        assert len(packed.content) < len(plain.content)
    # Compressed once, with the snapshot, not per request.
    stored = ParticipationSnapshot.objects.get(person=citizen.person)
    assert bytes(stored.document_gzip or b"") == gzipped(stored.document)


def test_the_compressed_history_changes_with_the_months(api, reported, citizen, unit_key):
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    before = json.loads(gzip.decompress(history(api, token, "gzip").content))

    response = send(api, unit_key, "R-raise", "2026-11", [
        line("0123456789", "adjust_salary", "2026-11", salary=12_000_000),
    ])  # fmt: skip
    assert response.status_code == 201, response.content
    after = json.loads(gzip.decompress(history(api, token, "gzip").content))

    assert after != before
    assert after == participation(api, token)


def test_a_snapshot_stored_before_the_compressed_copy_is_compressed_when_sent(
    api, reported, citizen
):
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    plain = history(api, token, "identity").json()
    ParticipationSnapshot.objects.filter(person=citizen.person).update(document_gzip=None)

    packed = history(api, token, "gzip")

    assert json.loads(gzip.decompress(packed.content)) == plain
