"""axe-core on the back office's pages (issue 12), as a clerk of the demo office sees them at
1280×800 in Vietnamese: the sign-in page, the home page, the dossier queue, a dossier, the
counter intake (search and a person's record), the contribution pages (with a unit's statement
and its printable page) and the API keys. No
"serious" or "critical" violation. The clerk signs in with the CAPTCHA answered as the served
image shows it.

``ANSINH_SCREENSHOTS=/some/dir`` keeps a full-page screenshot of every page checked."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from ansinh.conftest import STAFF_PASSWORD
from ansinh.contributions.months import format_month, month_of
from ansinh.portal.tests.browser import browser, page
from ansinh.portal.tests.pages import axe_problems, captcha_answer, make_demo

__all__ = ["browser", "page"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("ANSINH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=str(Path(folder) / f"backoffice-{slug}.png"), full_page=True)


def test_no_back_office_page_has_a_serious_or_critical_axe_violation(
    page: Page, citizen, outsider, office, unit, clerk, approver
):
    demo = make_demo(citizen=citizen, office=office, unit=unit, clerk=clerk, approver=approver)
    dossier = demo.counter_dossier.rstrip("/").rsplit("/", 1)[-1]
    assert citizen.person is not None
    person = citizen.person.public_id
    page.set_viewport_size({"width": 1280, "height": 800})
    # The demo unit's report (``make_demo``) runs to the current month.
    statement = f"?unit={unit.code}&month={format_month(month_of(timezone.localdate()))}"
    found: dict[str, list[str]] = {}
    # A correction case the unit left unanswered, waiting for the office's decision.
    from ansinh.dossiers import cases
    from ansinh.lib.actor import Actor

    month = format_month(month_of(timezone.localdate()))
    case = cases.file_case(
        actor=Actor.command(user=citizen),
        data={"unit_code": unit.code, "from_month": month, "to_month": month,
              "problem": "wrong_salary", "salary": 12_000_000},
    )  # fmt: skip
    cases.escalate_overdue(actor=Actor.system(), today=case.unit_due + dt.timedelta(days=1))

    def check(name: str) -> None:
        shoot(page, name)
        if problems := axe_problems(page):
            found[f"{name} ({page.url})"] = problems

    page.goto("/backoffice/login/")
    check("sign in")
    page.fill('input[name="username"]', "canbo1")
    page.fill('input[name="password"]', STAFF_PASSWORD)
    page.fill('input[name="captcha_1"]', captcha_answer(page))
    page.locator('main form button[type="submit"]:not([data-captcha-refresh])').click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))
    for name, path in [
        ("home", "/backoffice/"),
        ("dossier queue", "/backoffice/dossiers/"),
        ("a dossier", f"/backoffice/dossiers/{dossier}/"),
        ("counter intake", "/backoffice/dossiers/new/"),
        ("counter intake, the person", f"/backoffice/dossiers/new/{person}/"),
        ("contribution reports", "/backoffice/contributions/reports/"),
        ("contribution payments", "/backoffice/contributions/payments/"),
        ("contribution statement", "/backoffice/contributions/statement/"),
        ("a unit's statement", f"/backoffice/contributions/statement/{statement}"),
        ("printable statement", f"/backoffice/contributions/statement/print/{statement}"),
        ("API keys", "/backoffice/keys/"),
        ("correction cases", "/backoffice/correction-cases/"),
        ("a correction case", f"/backoffice/correction-cases/{case.public_id}/"),
        ("change password", "/backoffice/password/"),
    ]:
        response = page.goto(path)
        assert response is not None and response.status == 200, (name, path)
        check(name)

    assert not found, "serious or critical axe-core violations in the back office:\n" + "\n".join(
        f"- {where}:\n    " + "\n    ".join(problems) for where, problems in found.items()
    )
