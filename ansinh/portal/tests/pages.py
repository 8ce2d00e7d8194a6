"""Every portal page as a person reaches it: the walk that the axe-core check
(``test_browser_axe.py``) and the layout check (``test_browser_layout.py``) take through the
portal in Chromium, signed out and signed in, in Vietnamese (issue 12).

The list of pages comes from the portal's URL patterns (``ansinh/portal/urls.py``, which
appends ``dossier_urls.py``): every route is either a step of ``WALK`` (the browser ends on a
page of that route and the checks run there) or in ``NOT_PAGES`` with the reason
(``test_portal_routes.py`` checks both, and the reasons too).

A NEW PORTAL PAGE: add a ``Step`` to ``WALK`` — where it goes in the walk (signed out, in the
recovery, signed in), how a person gets there (a URL, or the form a person fills), and, for a
route with parameters, the demo object it shows (``Demo``, made by ``make_demo``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from captcha.models import CaptchaStore
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, URLPattern, URLResolver, resolve
from django.utils import timezone
from playwright.sync_api import FilePayload, Page, Response, expect

from ansinh.accounts.models import User
from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD
from ansinh.lib.actor import Actor
from ansinh.people.models import Office, Person, Sex, Unit

CITIZEN = "0123456789"  # An (conftest ``citizen``): signed in for the citizen pages
RECOVERING = "7912345678"  # Cường (conftest ``outsider``): recovers his password
RECOVERING_EMAIL = "cuong.le@example.org"
REGISTERING = "0123456791"  # in the registry, no account yet: registers online
REGISTERING_EMAIL = "dung.pham@example.org"
SUBMIT = 'button[type="submit"]:not([data-captcha-refresh])'


# --- The routes -----------------------------------------------------------------------------


def portal_routes() -> dict[str, URLPattern]:
    """Every named route of the portal (``portal:`` namespace), from its URL patterns."""
    from ansinh.portal import urls

    found: dict[str, URLPattern] = {}

    def collect(patterns: list[URLPattern | URLResolver]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                collect(pattern.url_patterns)
            elif pattern.name:
                found[pattern.name] = pattern

    collect(urls.urlpatterns)
    return found


@dataclass(frozen=True)
class NotAPage:
    """A route that is not a page to check, and why. ``kind`` is checked by
    ``test_portal_routes.py``: ``post_only`` answers GET with 405, ``redirect`` answers GET with
    a redirect to ``to``, ``file`` is a download checked by the dossier journey."""

    kind: str
    why: str
    to: str = ""


NOT_PAGES: dict[str, NotAPage] = {
    "logout": NotAPage("post_only", "the 'Sign out' button in the menu of every signed-in page"),
    "dossier_confirm": NotAPage("post_only", "the 'Confirm' button on the dossier's page"),
    "dossier_attachment": NotAPage(
        "file", "a document the person attached (test_browser_dossier.py opens it)"
    ),
    "certificate_file": NotAPage(
        "file", "the signed PDF of a certificate (test_browser_certificates.py opens it)"
    ),
    "certificate_revoke": NotAPage("post_only", "the 'Revoke' button on the certificate's page"),
    "email_dispute": NotAPage(
        "redirect",
        "the emailed 'this wasn't me' link: keeps its token in the session, then shows "
        "email_dispute_confirm (a step of the walk)",
        to="portal:email_dispute_confirm",
    ),
}


# --- Demo objects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    """What the parameterised pages show: An's dossiers and the dispute link of his email
    change."""

    counter_dossier: str
    photo_dossier: str
    dispute_path: str
    card_number: str


def png(width: int = 240, height: int = 160) -> bytes:
    """A small real PNG image (a photo of a document, as far as the checks go)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (245, 247, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, width - 10, height - 10), outline=(11, 83, 148), width=4)
    draw.text((24, height // 2 - 6), "CCCD 001090012345", fill=(31, 41, 51))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def make_demo(*, citizen: User, office: Office, unit: Unit, clerk: User, approver: User) -> Demo:
    """An with a participation history, an e-BHYT card, a counter dossier (phone), a change
    request with a photo (address), and an approved new email waiting for its code (so the
    email-confirmation page, the notices and the dispute link have something to show); and a
    person in the registry with no account, who registers in the walk."""
    from django.apps import apps

    from ansinh.cards.services import issue_card
    from ansinh.contributions.months import add_months, format_month, month_of
    from ansinh.contributions.services import ingest_report
    from ansinh.dossiers import services
    from ansinh.dossiers.models import EmailChange
    from ansinh.dossiers.tests.helpers import LINK_RE
    from ansinh.dossiers.uploads import check_files
    from ansinh.people.models import HealthFacility

    for data in ("0002_reference_data", "0005_due_date_rules", "0006_calculator_parameters"):
        importlib.import_module(f"ansinh.contributions.migrations.{data}").load(apps, None)
    assert citizen.person is not None
    now = month_of(timezone.localdate())
    ingest_report(
        unit=unit, reference="WALK-1", period=format_month(now),
        lines=[
            {"bhxh_code": CITIZEN, "type": "hire", "from_month": format_month(add_months(now, -30)),
             "salary": 9_000_000, "job_title": "Kế toán tổng hợp kiêm thủ quỹ", "date_of_birth": "1990-05-17"},
            {"bhxh_code": CITIZEN, "type": "adjust_salary",
             "from_month": format_month(add_months(now, -12)), "salary": 11_250_000},
        ],
        actor=Actor.command(),
    )  # fmt: skip
    facility = HealthFacility.objects.create(
        code="01001", name="Bệnh viện Bạch Mai", province_code="01"
    )
    card = issue_card(
        person=citizen.person, group="DN", benefit_level=4, facility=facility,
        valid_from=dt.date(now.year, 1, 1), valid_to=dt.date(now.year + 1, 12, 31),
        five_years_from=None, actor=Actor.command(),
    )  # fmt: skip
    counter = services.submit_counter_dossier(
        actor=Actor.command(user=clerk), person=citizen.person,
        changes={"phone": "0912345670"}, identity_checked=True, note="",
    )  # fmt: skip
    photo = services.submit_change_request(
        actor=Actor.command(user=citizen),
        changes={"address": "45 Phố Huế, Hai Bà Trưng, Hà Nội"},
        office=office,
        files=check_files(
            [SimpleUploadedFile("cccd-mat-truoc.png", png(), content_type="image/png")],
            required=True,
        ),
        note="",
    )
    email = services.submit_counter_dossier(
        actor=Actor.command(user=clerk), person=citizen.person,
        changes={"email": "nguyen.van.an.moi@example.com"}, identity_checked=True, note="",
    )  # fmt: skip
    for staff in (clerk, approver):
        services.decide_dossier(
            dossier=email, actor=Actor.command(user=staff), decisions={"email": "approve"}
        )
    assert EmailChange.objects.filter(person=citizen.person, status="pending").exists()
    links = [link for m in mail.outbox for link in LINK_RE.findall(str(m.body))]
    assert links, "no 'this wasn't me' link was emailed to the old address"
    Person.objects.create(
        bhxh_code=REGISTERING, cccd="001195012347", full_name="Phạm Thị Dung",
        date_of_birth=dt.date(1995, 7, 21), sex=Sex.FEMALE, province_code="01",
    )  # fmt: skip
    return Demo(
        counter_dossier=f"/ca-nhan/ho-so/{counter.public_id}/",
        photo_dossier=f"/ca-nhan/ho-so/{photo.public_id}/",
        dispute_path=urlsplit(links[-1]).path,
        card_number=card.card_code,
    )


# --- How a person gets there ------------------------------------------------------------------


def captcha_answer(page: Page) -> str:
    """The "Mã kiểm tra" answer, as a person reads it from the image (from the test database
    behind it; the served app has no test switch)."""
    key = page.locator('input[name="captcha_0"]').input_value()
    return str(CaptchaStore.objects.get(hashkey=key).response)


def sign_in(page: Page, username: str = CITIZEN, password: str = CITIZEN_PASSWORD) -> None:
    page.goto("/dang-nhap/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.fill('input[name="captcha_1"]', captcha_answer(page))
    page.locator(f"main form {SUBMIT}").click()
    expect(page).to_have_url(re.compile(r"/ca-nhan/(doi-mat-khau/)?$"))


def emailed_code(address: str) -> str:
    from ansinh.dossiers.tests.helpers import last_code

    return last_code(address)


def _goto(path: str) -> Callable[[Page, Demo], None]:
    return lambda page, demo: _navigate(page, path)


def _navigate(page: Page, path: str) -> None:
    page.goto(path)


def _submit_empty(form: str) -> Callable[[Page, Demo], None]:
    """Send the form as it is (empty): the page with its errors."""
    return lambda page, demo: page.locator(f"{form} {SUBMIT}").first.click()


def file_correction_case(page: Page, demo: Demo | None = None) -> None:
    """Ask for a correction of the walk's unit: three months missing, with a payslip."""
    page.goto("/ca-nhan/dieu-chinh/moi/")
    page.fill('input[name="unit_code"]', "TA01234")
    page.fill('input[name="from_month"]', "2025-01")
    page.fill('input[name="to_month"]', "2025-03")
    page.select_option('select[name="problem"]', "deducted_not_paid")
    page.fill('input[name="salary"]', "9000000")
    page.set_input_files(
        'input[name="evidence"]',
        files=[FilePayload(name="phieu-luong.png", mimeType="image/png", buffer=png())],
    )
    page.locator(f"#case-form {SUBMIT}").first.click()


def _start_recovery(page: Page, demo: Demo) -> None:
    page.goto("/quen-mat-khau/")
    page.fill('input[name="username"]', RECOVERING)
    page.fill('input[name="email"]', RECOVERING_EMAIL)
    page.fill('input[name="captcha_1"]', captcha_answer(page))
    page.locator(f"#recovery-request {SUBMIT}").click()
    expect(page).to_have_url(re.compile(r"/quen-mat-khau/nhap-ma/$"))


def _finish_recovery(page: Page, demo: Demo) -> None:
    page.fill('input[name="otp"]', emailed_code(RECOVERING_EMAIL))
    page.check('input[name="choice"][value="email"]')
    page.locator('#recovery-code button[value="verify"]').click()
    expect(page).to_have_url(re.compile(r"/quen-mat-khau/hoan-tat/$"))


def _start_registration(page: Page, demo: Demo) -> None:
    page.goto("/dang-ky/")
    page.fill('input[name="identifier"]', REGISTERING)
    page.fill('input[name="full_name"]', "Phạm Thị Dung")
    page.fill('input[name="date_of_birth"]', "1995-07-21")
    page.fill('input[name="phone"]', "0987654322")
    page.fill('input[name="email"]', REGISTERING_EMAIL)
    page.select_option('select[name="office"]', index=1)
    for photo in ("cccd_front", "cccd_back", "portrait"):
        page.set_input_files(
            f'input[name="{photo}"]',
            files=FilePayload(name=f"{photo}.png", mimeType="image/png", buffer=png()),
        )
    page.fill('input[name="captcha_1"]', captcha_answer(page))
    page.locator(f"#registration {SUBMIT}").click()
    expect(page).to_have_url(re.compile(r"/dang-ky/nhap-ma/$"))


def _finish_registration(page: Page, demo: Demo) -> None:
    page.fill('input[name="code"]', emailed_code(REGISTERING_EMAIL))
    page.locator(f"main form {SUBMIT}").first.click()
    expect(page).to_have_url(re.compile(r"/dang-ky/da-nop/$"))


def _stale_form(page: Page, demo: Demo) -> None:
    """A form sent after its session ended (another tab signed out): the CSRF-failure page."""
    page.goto("/dang-nhap/")
    page.context.clear_cookies()
    page.fill('input[name="username"]', RECOVERING)
    page.fill('input[name="password"]', OTHER_PASSWORD)
    page.locator(f"main form {SUBMIT}").click()


def _check_card(page: Page, demo: Demo) -> None:
    """A clinic checks An's card by its printed details: the answer is on the page."""
    page.goto("/tra-cuu-the-bhyt/")
    page.fill('input[name="number"]', demo.card_number)
    page.fill('input[name="full_name"]', "Nguyễn Văn An")
    page.fill('input[name="date_of_birth"]', "17/05/1990")
    page.fill('input[name="captcha_1"]', captcha_answer(page))
    page.locator(f"#card-check {SUBMIT}").click()
    expect(page.locator("#check-result")).to_be_visible()


def _issue_certificate(page: Page, demo: Demo) -> None:
    # From the keyboard: at some widths the walk's sticky header covers the button's spot.
    page.locator(f"#certificate-issue {SUBMIT}").press("Enter")
    expect(page.locator("[data-field=screen_copy]")).to_be_visible()


def _sign_in(page: Page, demo: Demo) -> None:
    sign_in(page)


@dataclass(frozen=True)
class Step:
    """One page of the walk: ``go`` takes the browser there from the previous step; the
    browser must then be on ``route`` (``None``: a URL no route matches) with ``status``."""

    label: str
    route: str | None
    go: Callable[[Page, Demo], None]
    status: int = 200


WALK: list[Step] = [
    # Signed out.
    Step("start page", "index", _goto("/")),
    Step("sign in", "login", _goto("/dang-nhap/")),
    Step("sign in, errors", "login", _submit_empty("main form"), 400),
    Step("forgot password", "recovery", _goto("/quen-mat-khau/")),
    Step("forgot password, errors", "recovery", _submit_empty("#recovery-request"), 400),
    Step("form 02/SĐ-GD to print", "recovery_paper_form", _goto("/quen-mat-khau/mau-02-sd-gd/")),
    Step("recovery: the code", "recovery_code", _start_recovery),
    Step("recovery: the code, errors", "recovery_code", _submit_empty("#recovery-code"), 400),
    Step("recovery: done", "recovery_done", _finish_recovery),
    Step("I have no email", "no_email", _goto("/khong-co-email/")),
    Step("check a BHYT card", "card_check", _goto("/tra-cuu-the-bhyt/")),
    Step("check a BHYT card, errors", "card_check", _submit_empty("#card-check"), 400),
    Step("check a BHYT card, by its QR", "card_check", _goto("/tra-cuu-the-bhyt/?cach=qr")),
    Step("check a BHYT card, the answer", "card_check", _check_card),
    Step("calculators", "calculators", _goto("/may-tinh-bhxh/")),
    Step(
        "calculators, a result",
        "calculators",
        _goto("/may-tinh-bhxh/?loai=ho-gia-dinh&ho-gia-dinh-members=3"),
    ),
    Step(
        "calculators, errors",
        "calculators",
        _goto("/may-tinh-bhxh/?loai=tu-nguyen&tu-nguyen-income=1&tu-nguyen-group=poor"),
        400,
    ),
    Step("check a certificate", "certificate_check", _goto("/kiem-tra-giay-chung-nhan/")),
    Step("find a BHXH office", "offices", _goto("/co-quan-bhxh/")),
    Step("find a BHXH office, by province", "offices", _goto("/co-quan-bhxh/?tinh=01")),
    Step("get the app", "get_app", _goto("/ung-dung/")),
    Step("register", "register", _goto("/dang-ky/")),
    Step("register, errors", "register", _submit_empty("#registration"), 400),
    Step("register: the code", "register_code", _start_registration),
    Step("register: filed", "register_done", _finish_registration),
    Step("this wasn't me", "email_dispute_confirm", lambda p, d: _navigate(p, d.dispute_path)),
    Step(
        "this wasn't me, a broken link",
        "email_dispute_confirm",
        _goto("/khong-phai-toi/khong-hop-le/"),
        400,
    ),
    Step("not found", None, _goto("/khong-co-trang-nay/"), 404),
    Step("form expired (CSRF)", "login", _stale_form, 403),
    # Signed in as An.
    Step("my account", "home", _sign_in),
    Step("participation", "participation", _goto("/ca-nhan/qua-trinh-tham-gia/")),
    Step("participation, BHYT", "participation_scheme", _goto("/ca-nhan/qua-trinh-tham-gia/bhyt/")),
    Step("e-BHYT card", "card", _goto("/ca-nhan/the-bhyt/")),
    Step("e-BHYT card, full-screen QR", "card_qr", _goto("/ca-nhan/the-bhyt/ma-qr/")),
    Step("certificates", "certificates", _goto("/ca-nhan/giay-chung-nhan/")),
    Step("a certificate, issued", "certificate", _issue_certificate),
    Step("my dossiers", "dossiers", _goto("/ca-nhan/ho-so/")),
    Step("dossier from the counter", "dossier", lambda p, d: _navigate(p, d.counter_dossier)),
    Step("dossier with a photo", "dossier", lambda p, d: _navigate(p, d.photo_dossier)),
    Step(
        "withdraw a dossier: are you sure?",
        "dossier_withdraw",
        lambda p, d: _navigate(p, d.photo_dossier + "rut/"),
    ),
    Step("new change request", "dossier_new", _goto("/ca-nhan/ho-so/moi/")),
    Step("new change request, errors", "dossier_new", _submit_empty("#change-request"), 400),
    Step("my corrections", "cases", _goto("/ca-nhan/dieu-chinh/")),
    Step("ask for a correction", "case_new", _goto("/ca-nhan/dieu-chinh/moi/")),
    Step("ask for a correction, errors", "case_new", _submit_empty("#case-form"), 400),
    Step("a correction filed", "case", file_correction_case),
    Step("confirm my new email", "email_confirm", _goto("/ca-nhan/xac-nhan-email/")),
    Step("notifications", "notifications", _goto("/ca-nhan/thong-bao/")),
    Step("who has seen my data", "access_log", _goto("/ca-nhan/ai-da-xem/")),
    Step("change password", "password_change", _goto("/ca-nhan/doi-mat-khau/")),
    Step("change password, errors", "password_change", _submit_empty("main form"), 400),
    Step("a dossier that is not there", "dossier", _goto("/ca-nhan/ho-so/HS-KHONG-CO/"), 404),
]


BLOCKING = {"serious", "critical"}


def axe_problems(page: Page) -> list[str]:
    """The serious and critical axe-core violations of the page as it is now, one line each
    (rule, impact, what it asks, the first few elements)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = "; ".join(
                " ".join(str(t) for t in node["target"]) for node in violation["nodes"][:5]
            )
            problems.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}"
            )
    return problems


def route_of(url: str) -> str | None:
    """The portal route name of a URL the browser is on (``None``: no route)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.url_name if match.namespace == "portal" else f"{match.namespace}:{match.url_name}"


def walk(page: Page, demo: Demo, check: Callable[[Page, Step], None]) -> set[str]:
    """Take every step of ``WALK`` in ``page`` and run ``check`` on each page reached; return
    the routes checked. A step that does not end where it says fails at once (the walk's
    own mistake, or a page that moved)."""
    statuses: list[int] = []

    def on_response(response: Response) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            statuses.append(response.status)

    page.on("response", on_response)
    checked: set[str] = set()
    for step in WALK:
        statuses.clear()
        step.go(page, demo)
        page.wait_for_load_state()
        where = (route_of(page.url), statuses[-1] if statuses else None)
        assert where == (step.route, step.status), (
            f"walk step {step.label!r} should end on route {step.route!r} with {step.status}; "
            f"the browser is on {page.url} (route {where[0]!r}) with {where[1]}"
        )
        check(page, step)
        if step.route:
            checked.add(step.route)
    page.remove_listener("response", on_response)
    return checked
