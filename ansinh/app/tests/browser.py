"""The app in Debian Chromium as a phone: 390×844 CSS pixels, touch, mobile viewport, Viet
Nam's language and time zone, service workers allowed (Playwright's default). Like the
portal's ``page`` fixture (``ansinh/portal/tests/browser.py``), a page that answers 500 or
raises a JavaScript error fails the test. ``ANSINH_SCREENSHOTS=/dir`` keeps what a person
sees at each ``shot()``."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import zxingcpp
from django.apps import apps
from django.db import OperationalError
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, Response, ViewportSize, expect

from ansinh.cards.services import issue_card
from ansinh.lib.actor import Actor
from ansinh.people.models import HealthFacility

T = TypeVar("T")

PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000
APP = "/app/"
SUBMIT = "main form button[type=submit]"
CONTROLLED = """async () => {
    if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener(
            'controllerchange', resolve, {once: true}));
    }
}"""


def new_phone(browser: Browser, live_server: object, viewport: ViewportSize = PHONE) -> Page:
    context = browser.new_context(
        base_url=str(live_server),
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport=viewport,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        service_workers="allow",
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def phone(browser: Browser, live_server: object) -> Iterator[Page]:
    tab = new_phone(browser, live_server)
    server_errors: list[str] = []
    script_errors: list[str] = []

    def on_response(response: Response) -> None:
        # The worker's own answers (503 "offline" with the network off) are not the server's.
        if response.status >= 500 and not response.from_service_worker:
            server_errors.append(f"{response.status} {response.url}")

    tab.on("response", on_response)
    tab.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        yield tab
    finally:
        tab.context.close()
    assert not server_errors, f"the server answered with errors: {server_errors}"
    assert not script_errors, f"JavaScript errors on the page: {script_errors}"


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("ANSINH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"app-{name}.png"), full_page=True)


def open_app(page: Page, route: str = "") -> None:
    """Open the app and wait until its service worker controls the page (it holds the
    sign-in: the app talks to nobody before that) and a screen is drawn."""
    page.goto(APP + route)
    # (Not wait_for_function: Playwright evaluates its string, which the CSP forbids.)
    page.evaluate(CONTROLLED)
    expect(page.locator("main h1")).to_be_visible()


def sign_in(page: Page, username: str, password: str) -> None:
    page.locator("#signin").get_by_label("Mã số BHXH").fill(username)
    page.locator("#signin").get_by_label("Mật khẩu").fill(password)
    page.locator("#signin button[type=submit]").tap()


def when_idle(read: Callable[[], T], timeout: float = 5.0) -> T:
    """Read the database once the live server's requests let it. The embedded test database
    is SQLite's shared in-memory cache: while a request the app sent in the background (a
    token refresh, a badge count) holds a table, a read from the test answers "database table
    is locked" at once instead of waiting. Other errors, and a lock held past ``timeout``, are
    raised."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return read()
        except OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def worker_state(page: Page) -> dict:
    return dict(page.evaluate("fetch('/app/sw/state').then((r) => r.json())"))


def stored(page: Page) -> dict:
    """What the origin keeps: Cache Storage names, IndexedDB databases, Web Storage keys."""
    return dict(
        page.evaluate(
            """async () => ({
                caches: await caches.keys(),
                databases: (await indexedDB.databases()).map((d) => d.name),
                local: Object.keys(localStorage),
                session: Object.keys(sessionStorage),
            })"""
        )
    )


def issue_demo_card(person):
    facility = HealthFacility.objects.create(
        code="01001", name="Bệnh viện Bạch Mai", province_code="01"
    )
    today = timezone.localdate()
    return issue_card(
        person=person, group="DN", benefit_level=4, facility=facility,
        valid_from=dt.date(today.year, 1, 1), valid_to=dt.date(today.year + 1, 12, 31),
        five_years_from=dt.date(2020, 1, 1), actor=Actor.command(),
    )  # fmt: skip


def load_reference_data() -> None:
    """A transactional test starts from empty tables: the dated rates, levels and calculator
    parameters, loaded as their migrations do."""
    for data in ("0002_reference_data", "0006_calculator_parameters"):
        importlib.import_module(f"ansinh.contributions.migrations.{data}").load(apps, None)


def decode_screen(page: Page, name: str) -> list[str]:
    """The QR codes a scanner finds in what the screen shows now (the viewport)."""
    png = page.screenshot(full_page=False)
    folder = os.environ.get("ANSINH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"app-{name}.png").write_bytes(png)
    image = Image.open(io.BytesIO(png))
    found = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    return [b.text for b in found]


def verify(page: Page, payload: str) -> dict:
    response = page.request.post(
        "/api/v1/cards/verify",
        data=json.dumps({"qr": payload}),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 200, response.text()
    return dict(response.json())


def no_sideways_scroll(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))
