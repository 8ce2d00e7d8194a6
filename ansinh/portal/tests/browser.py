"""Debian Chromium driven by Playwright's sync API, for the browser tests (marker ``browser``).

Use the ``page`` fixture (registered in this package's ``conftest.py``; other test packages
import it from here, like ``smtp_server``)::

    from ansinh.portal.tests.browser import browser, page  # in that package's conftest.py

    @pytest.mark.browser
    def test_something(page, citizen):
        page.goto("/dang-nhap/")  # relative to pytest-django's ``live_server``

The page runs against ``live_server`` (so the test gets a transactional database: the server
thread sees what the test writes, and the other way round). Chromium is never downloaded:
the tests use the distribution's ``/usr/bin/chromium`` (``apt-get install chromium``;
``.ci/run`` does it), or ``CHROMIUM_PATH``. A page that answers 500 or raises a JavaScript
error fails the test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, Response, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """A headless Chromium for one test.

    One per test, not per session: while Playwright's sync API is started it marks an asyncio
    loop as running on the main thread, and Django then (1) refuses ORM calls from that
    thread (``SynchronousOnlyOperation``) and (2) hands them database connections of their
    own, kept per context instead of per thread. The loop never runs Django code, so for the
    duration of a browser test only ``DJANGO_ALLOW_ASYNC_UNSAFE`` lets the test and its
    fixtures use the database, and the connections they opened meanwhile are closed before
    Playwright stops (else they outlive the test and, on PostgreSQL, block dropping the test
    database). Every other test keeps Django's check.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (see .ci/run)")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()  # the ones opened while Playwright ran, see above


@pytest.fixture
def page(browser: Browser, live_server: object) -> Iterator[Page]:
    """A fresh browser context (no cookies) whose relative URLs go to ``live_server``, set up
    like a browser in Viet Nam (``Accept-Language: vi-VN``, Asia/Ho_Chi_Minh)."""
    context = browser.new_context(
        base_url=str(live_server), locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    server_errors: list[str] = []
    script_errors: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 500:
            server_errors.append(f"{response.status} {response.url}")

    tab.on("response", on_response)
    tab.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        yield tab
    finally:
        context.close()
    assert not server_errors, f"the server answered with errors: {server_errors}"
    assert not script_errors, f"JavaScript errors on the page: {script_errors}"


__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "browser", "page"]
