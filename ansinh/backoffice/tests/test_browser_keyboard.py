"""The dossier page at an office's pace (issue 14), in Chromium at 1280×800: a clerk processes
20 dossiers with the keyboard only — approve with A, reject with R and a listed reason's
number, "save and open next" with N — and an approver then finishes the second approvals the
same way. The documents (a photo, a PDF) are previewed beside the decisions. Every decision is checked in the database.

``ANSINH_SCREENSHOTS=/some/dir`` keeps screenshots of the dossier page."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Browser, Page, ViewportSize, expect

from ansinh.conftest import make_staff, run_on_commit
from ansinh.dossiers import services
from ansinh.dossiers.models import Dossier, FieldDecision
from ansinh.dossiers.tests.helpers import counter_dossiers, photo
from ansinh.dossiers.uploads import check_files
from ansinh.lib.actor import Actor, Channel
from ansinh.portal.tests.browser import TIMEOUT_MS, browser, page
from ansinh.portal.tests.browser_steps import shoot, staff_sign_in

__all__ = ["browser", "page"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
REJECTED = {4, 9, 14, 19}  # the 5th, 10th, … dossier is rejected, with the 2nd listed reason


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _pdf() -> bytes:
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 560), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 380, 200), outline="#b42318", width=6)
    out = BytesIO()
    image.save(out, format="PDF")
    return out.getvalue()


def _file_twenty(office, citizen, citizen_no_email, colleague) -> list[Dossier]:
    """The office's to-do, in SLA order: An's own change request (a new address, with a photo
    of her document), Bình's (with a PDF), then 18 new mobile phones taken at the counter.
    One document each: the embedded test server shares one SQLite connection between its
    threads, where two documents fetched at once could collide."""
    filed = []
    for person, upload in [
        (citizen, SimpleUploadedFile("so-ho-khau.jpg", photo("JPEG", size=(480, 320)))),
        (citizen_no_email, SimpleUploadedFile("xac-nhan-cu-tru.pdf", _pdf())),
    ]:
        with run_on_commit():
            filed.append(
                services.submit_change_request(
                    actor=Actor(channel=Channel.PORTAL, user=person),
                    changes={"address": "5 Hàng Bài, Hoàn Kiếm, Hà Nội"},
                    office=office,
                    files=check_files([upload], required=True),
                    note="",
                )
            )
    return [*filed, *counter_dossiers(colleague, 18)]


def _beside(page: Page, document: str) -> None:
    """The document is shown beside the diff and the decisions, all within the screen."""
    preview, changes = page.locator("#preview"), page.locator("#changes")
    expect(page.locator(document)).to_be_visible()
    left, right = preview.bounding_box(), changes.bounding_box()
    assert left and right
    assert left["x"] + left["width"] <= right["x"], "the documents are beside the decisions"
    assert right["y"] < DESKTOP["height"] and left["y"] < DESKTOP["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def _key(page: Page, key: str) -> None:
    page.keyboard.press(key)


def _keys_ready(page: Page) -> None:
    """The shortcuts are on (the script shows "Approve every open field" when it starts)."""
    expect(page.locator("#approve-all")).to_be_visible()


def test_a_clerk_decides_twenty_dossiers_with_the_keyboard_and_an_approver_finishes_them(
    page: Page, browser: Browser, live_server, office, citizen, citizen_no_email, clerk, approver
):
    colleague = make_staff(username="canbo3", role="clerk", office=office)
    dossiers = _file_twenty(office, citizen, citizen_no_email, colleague)
    ids = [d.public_id for d in dossiers]
    page.set_viewport_size(DESKTOP)
    staff_sign_in(page, "canbo1")
    page.goto(f"/backoffice/dossiers/{ids[0]}/")

    # The documents beside the decisions: a photo inline, a PDF in a frame of this site.
    _beside(page, '#preview figure[data-preview="image"] img')
    image = page.locator('#preview figure[data-preview="image"] img')
    assert image.evaluate("img => img.complete && img.naturalWidth") == 480
    shoot(page, "backoffice-dossier-preview-image")
    expect(page.locator("#shortcuts summary")).to_be_visible()

    # The clerk: A (or R, 2) then N, twenty times, never touching the mouse.
    for index, dossier_id in enumerate(ids):
        expect(page).to_have_url(re.compile(rf"/backoffice/dossiers/{dossier_id}/$"))
        expect(page.locator("tr[data-decidable]")).to_have_count(1)
        _keys_ready(page)
        if index == 1:
            _beside(page, '#preview figure[data-preview="pdf"] iframe')
            pdf = page.locator("#preview iframe").element_handle().content_frame()
            assert pdf is not None
            pdf.wait_for_load_state()
            shoot(page, "backoffice-dossier-preview-pdf")
        if index in REJECTED:
            _key(page, "r")
            expect(page.locator('select[data-role="reason-code"]')).to_be_focused()
            _key(page, "2")
        else:
            _key(page, "a")
        _key(page, "n")
    expect(page).to_have_url(re.compile(r"/backoffice/dossiers/$"))

    for index, dossier in enumerate(dossiers):
        (decision,) = FieldDecision.objects.filter(change__dossier=dossier)
        assert decision.decided_by == clerk
        if index in REJECTED:
            assert (decision.decision, decision.reason_code) == ("reject", "mismatch_document")
        else:
            assert (decision.decision, decision.reason_code) == ("approve", "")
    statuses = {d.public_id: d.status for d in Dossier.objects.all()}
    assert statuses[ids[0]] == statuses[ids[1]] == "approved"  # an address: one approval
    waiting = [i for n, i in enumerate(ids) if n > 1 and n not in REJECTED]
    assert {statuses[i] for i in waiting} == {"awaiting_second_approval"}
    assert {statuses[ids[n]] for n in REJECTED} == {"rejected"}

    # Back on a dossier the clerk approved first: no decision controls, said in words.
    page.goto(f"/backoffice/dossiers/{waiting[0]}/")
    row = page.locator('#changes tr[data-field="phone"]')
    expect(row.locator('[data-role="waits-for-other"]')).to_be_visible()
    expect(row.locator("input, select")).to_have_count(0)
    expect(row.locator('[data-role="decision-log"]')).to_contain_text(
        "Duyệt — Cán bộ canbo1 (canbo1)"
    )

    # On a phone the documents and the decisions stack, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/backoffice/dossiers/{ids[0]}/")
    top, below = page.locator("#preview").bounding_box(), page.locator("#changes").bounding_box()
    assert top and below and top["y"] + top["height"] <= below["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "backoffice-dossier-stacked")

    # The approver, in a browser of their own: the second approvals, A then N each.
    second = browser.new_context(
        base_url=str(live_server), locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=DESKTOP
    )
    second.set_default_timeout(TIMEOUT_MS)
    try:
        boss = second.new_page()
        staff_sign_in(boss, "canbo2")
        boss.goto(f"/backoffice/dossiers/{waiting[0]}/")
        for dossier_id in waiting:
            expect(boss).to_have_url(re.compile(rf"/backoffice/dossiers/{dossier_id}/$"))
            _keys_ready(boss)
            _key(boss, "a")
            _key(boss, "n")
        expect(boss).to_have_url(re.compile(r"/backoffice/dossiers/$"))
    finally:
        second.close()

    for dossier_id in waiting:
        dossier = Dossier.objects.get(public_id=dossier_id)
        assert dossier.status == "approved"
        deciders = list(
            FieldDecision.objects.filter(change__dossier=dossier).values_list(
                "decided_by__username", flat=True
            )
        )
        assert deciders == ["canbo1", "canbo2"]
