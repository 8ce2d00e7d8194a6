"""axe-core on every portal page (issue 12): real Chromium, the walk of ``pages.py`` (signed
out, recovering, registering, signed in, the error pages; in Vietnamese), at phone size
(390×844, the header's menu open, so its links are checked too) and at desktop size
(1280×800). No page may have a "serious" or "critical" violation.

axe-core is the copy bundled in the pinned ``axe-playwright-python`` wheel (its version is in
``docs/dependencies.md``); nothing is downloaded at test time.

``ANSINH_SCREENSHOTS=/some/dir`` keeps a full-page screenshot of every page checked."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import Page, ViewportSize

from .pages import NOT_PAGES, Demo, Step, axe_problems, portal_routes, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def shoot(page: Page, step: Step, size: str) -> None:
    folder = os.environ.get("ANSINH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", step.label.lower()).strip("-")
        page.screenshot(path=str(Path(folder) / f"axe-{slug}-{size}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-390x844", "desktop-1280x800"])
def test_no_portal_page_has_a_serious_or_critical_axe_violation(
    page: Page, demo: Demo, viewport: ViewportSize
):
    page.set_viewport_size(viewport)
    size = f"{viewport['width']}"
    found: dict[str, list[str]] = {}

    def check(page: Page, step: Step) -> None:
        shoot(page, step, size)
        menu = page.locator("header details.menu")
        if viewport is PHONE and menu.count():
            menu.evaluate("menu => { menu.open = true; }")
        problems = axe_problems(page)
        if problems:
            found[f"{step.label} ({page.url})"] = problems

    checked = walk(page, demo, check)

    assert not found, "serious or critical axe-core violations:\n" + "\n".join(
        f"- {where}:\n    " + "\n    ".join(problems) for where, problems in found.items()
    )
    unchecked = set(portal_routes()) - checked - set(NOT_PAGES)
    assert not unchecked, f"portal routes the walk never reached: {sorted(unchecked)}"


def test_the_axe_check_finds_a_violation_when_a_page_has_one(page: Page, citizen):
    """The check itself works in the served pages (the Content-Security-Policy lets the
    injected axe-core run; a silent empty result would pass every page): a nameless button
    and an unlabelled field added to the sign-in page are reported."""
    page.goto("/dang-nhap/")
    assert axe_problems(page) == []
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend', '<button></button><input type="text">');
        }"""
    )
    found = {problem.split(" ", 1)[0] for problem in axe_problems(page)}
    assert {"button-name", "label"} <= found, found
