"""The API's description for people and for code generators (issue 12 §2): readable
``operationId``\\ s, and a docs page that loads nothing from another host."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from ansinh.api.operation_ids import OPERATION_IDS, camel_case

CAMEL = re.compile(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+)*")
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(client) -> dict[tuple[str, str], dict]:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    return {
        (method.upper(), path): operation
        for path, item in paths.items()
        for method, operation in item.items()
        if method in METHODS
    }


@pytest.mark.django_db
def test_every_operation_id_is_camel_case_unique_and_not_a_module_path(client):
    operations = _operations(client)
    ids = [op["operationId"] for op in operations.values()]

    assert len(ids) > 30
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for op_id in ids:
        assert CAMEL.fullmatch(op_id), op_id
        assert "ansinh" not in op_id.lower() and "routes" not in op_id.lower(), op_id


@pytest.mark.django_db
def test_the_main_operations_have_the_names_mobile_clients_call(client):
    operations = _operations(client)
    expected = {
        ("POST", "/api/v1/auth/login"): "login",
        ("POST", "/api/v1/auth/refresh"): "refreshTokens",
        ("POST", "/api/v1/auth/recovery"): "startRecovery",
        ("POST", "/api/v1/auth/recovery/{recovery_id}/verify"): "verifyRecovery",
        ("GET", "/api/v1/me/participation"): "getParticipation",
        ("GET", "/api/v1/me/card"): "getCard",
        ("GET", "/api/v1/me/dossiers"): "listMyDossiers",
        ("POST", "/api/v1/cards/verify"): "verifyCard",
    }
    assert {key: operations[key]["operationId"] for key in expected} == expected


@pytest.mark.django_db
def test_every_link_names_an_operation_that_exists(client):
    operations = _operations(client)
    ids = {op["operationId"] for op in operations.values()}
    links = [
        link["operationId"]
        for op in operations.values()
        for response in op.get("responses", {}).values()
        for link in response.get("links", {}).values()
    ]
    assert links
    assert set(links) <= ids


def test_the_listed_ids_are_camel_case_and_the_fallback_makes_camel_case():
    assert all(CAMEL.fullmatch(op_id) for op_id in OPERATION_IDS.values())
    assert len(set(OPERATION_IDS.values())) == len(OPERATION_IDS)
    assert camel_case("sign_out_device") == "signOutDevice"


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


@pytest.mark.django_db
def test_the_docs_page_references_only_same_origin_assets(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    parser = _Assets()
    parser.feed(response.content.decode())

    assert any(url.endswith(".js") for url in parser.urls), parser.urls
    for url in parser.urls:
        assert url.startswith("/") and not url.startswith("//"), url
    # The page's scripts are files of our own, allowed by the unchanged CSP (no inline code).
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe" not in csp
    for url in parser.urls:
        assert client.get(url).status_code == 200, url
