"""The API docs page renders its operations in a real Chromium under the site's own CSP
(issue 12 §2: it was blank, its CDN blocked)."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, expect

from ansinh.portal.tests.browser import browser, page

__all__ = ["browser", "page"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_page_renders_the_operations_from_our_own_origin(
    page: Page, live_server
) -> None:
    requested: list[str] = []
    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    def on_request(request: Request) -> None:
        requested.append(request.url)

    page.on("console", on_console)
    page.on("request", on_request)
    page.set_viewport_size({"width": 390, "height": 844})
    response = page.goto("/api/v1/docs")
    assert response is not None and response.status == 200

    # The page builds itself from /openapi.json: give a loaded machine time to serve it.
    expect(page.locator(".opblock[id$='-login']")).to_be_visible(timeout=20_000)
    expect(page.locator(".opblock[id$='-getParticipation']")).to_be_visible()
    assert page.locator(".opblock").count() > 30
    assert not refused, refused
    origin = str(live_server.url)
    assert [url for url in requested if not url.startswith(origin + "/")] == []
