"""The office's work list (``worklist``) and search (``search``): to-do first per role, sorted
by due date; the search finds a dossier by code, BHXH code, CCCD or name however they are
typed, and never another office's; counts; pages; the dashboard's figures."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from ansinh.audit.models import DataAccess
from ansinh.conftest import STAFF_PASSWORD, make_citizen, make_staff
from ansinh.dossiers import claims, search, services, worklist
from ansinh.dossiers.models import Dossier
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.fold import fold
from ansinh.people.models import Sex

from .helpers import unit_file

pytestmark = pytest.mark.django_db
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _as(user) -> Actor:
    return Actor(channel=Channel.BACKOFFICE, user=user)


def _file(api, bhxh_code: str, changes: dict[str, str]) -> str:
    response = unit_file(api, bhxh_code, changes)
    assert response.status_code == 201, response.content
    return str(response.json()["dossier_id"])


def _ids(found: worklist.Worklist) -> list[str]:
    return [row["dossier_id"] for row in found.rows]


@pytest.fixture
def three(api, unit_key, employees, clerk, approver) -> dict[str, str]:
    """An's address change filed on Monday (overdue later), Bình's email change filed on
    Thursday and approved once by the clerk (waiting for a second approval), An's phone
    change filed on Wednesday."""
    with time_machine.travel(MONDAY, tick=False):
        old = _file(api, "0123456789", {"address": "5 Hàng Bài"})
    with time_machine.travel(MONDAY + dt.timedelta(days=3), tick=False):
        second = _file(api, "0123456790", {"email": "binh@example.org"})
        services.decide_dossier(
            dossier=Dossier.objects.get(public_id=second),
            actor=_as(clerk),
            decisions={"email": "approve"},
        )
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        newer = _file(api, "0123456789", {"phone": "0987654321"})
    return {"old": old, "second": second, "newer": newer}


def test_a_clerks_to_do_is_the_first_decisions_by_due_date(three, clerk):
    with time_machine.travel(MONDAY + dt.timedelta(days=10), tick=False):
        found = worklist.worklist(_as(clerk))

    assert found.view == "todo"
    assert _ids(found) == [three["old"], three["newer"]]
    assert [row["overdue"] for row in found.rows] == [True, True]


def test_an_approvers_to_do_puts_second_approvals_first(three, approver):
    found = worklist.worklist(_as(approver))

    assert _ids(found) == [three["second"], three["old"], three["newer"]]
    assert found.rows[0]["status_label"] == "Chờ phê duyệt lần thứ hai"


def test_a_second_approval_one_gave_first_is_not_in_ones_own_to_do(three, office, clerk):
    clerk.role = "approver"
    clerk.save(update_fields=["role"])

    assert three["second"] not in _ids(worklist.worklist(_as(clerk)))


def test_a_dossier_another_clerk_holds_leaves_my_to_do_and_the_all_view_shows_who(
    three, clerk, office
):
    other = make_staff(username="canbo3", role="clerk", office=office)
    claims.claim(dossier=Dossier.objects.get(public_id=three["old"]), actor=_as(other))

    assert three["old"] not in _ids(worklist.worklist(_as(clerk)))
    everything = worklist.worklist(_as(clerk), view="all")
    held = next(r for r in everything.rows if r["dossier_id"] == three["old"])
    assert held["holder"] == "Cán bộ canbo3 (canbo3)" and not held["mine"]
    mine = worklist.worklist(_as(other), view="mine")
    assert _ids(mine) == [three["old"]] and mine.rows[0]["mine"]


def test_the_filer_is_named_as_people_read_it(three, clerk, citizen, office):
    counter = services.submit_counter_dossier(
        actor=_as(clerk),
        person=citizen.person,
        changes={"phone": "0911111111"},
        identity_checked=True,
        note="",
    )
    rows = {r["dossier_id"]: r for r in worklist.worklist(_as(clerk), view="all").rows}

    assert rows[three["old"]]["filer"] == "Công ty TNHH An Khang"
    assert rows[counter.public_id]["filer"] == "Cán bộ canbo1 (canbo1), tại quầy"


def test_counts_per_status_and_the_dashboard_in_one_query(
    three, approver, django_assert_num_queries
):
    with time_machine.travel(MONDAY + dt.timedelta(days=14), tick=False):
        with django_assert_num_queries(1):  # one aggregate over the office
            figures = worklist.dashboard(_as(approver))

    assert figures is not None
    assert figures["office"]["name"] == "BHXH quận Ba Đình"
    assert (figures["overdue"], figures["second"], figures["todo"], figures["mine"]) == (3, 1, 3, 0)
    by_status = {s["status"]: s["count"] for s in figures["statuses"]}
    assert by_status["submitted"] == 2 and by_status["awaiting_second_approval"] == 1


def test_received_today_counts_and_filters_the_days_dossiers(three, clerk, api):
    with time_machine.travel(MONDAY + dt.timedelta(days=7, hours=1), tick=False):
        today = _file(api, "0123456790", {"address": "1 Tràng Tiền"})
        figures = worklist.dashboard(_as(clerk))
        assert figures is not None and figures["today"] == 1
        assert _ids(worklist.worklist(_as(clerk), view="all", today=True)) == [today]


def test_the_queue_has_pages_and_no_cut(api, unit_key, employees, clerk, settings):
    settings.DOSSIER_QUEUE_PAGE_SIZE = 2
    filed = [_file(api, "0123456789", {"address": f"{n} Hàng Bài"}) for n in range(5)]

    first = worklist.worklist(_as(clerk), view="all")
    last = worklist.worklist(_as(clerk), view="all", page=3)

    assert first.page.paginator.num_pages == 3 and len(first.rows) == 2
    assert _ids(last) == [filed[4]]
    assert first.pages == [1, 2, 3]


# --- Search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["{code}", "{lower}", "{spaced}", "{bare}", "  {code}  "],
)
def test_search_finds_a_dossier_by_its_code_however_typed(three, clerk, typed):
    code = three["old"]
    text = typed.format(
        code=code,
        lower=code.lower(),
        spaced=code.replace("-", " ").lower(),
        bare=code.replace("-", ""),
    )
    found = worklist.worklist(_as(clerk), q=text)

    assert found.search == search.Search("dossier_code", code)
    assert _ids(found) == [code]


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("0123456790", "bhxh_code"),
        ("0123 456 790", "bhxh_code"),
        ("0123.456.790", "bhxh_code"),
        ("０１２３４５６７９０", "bhxh_code"),
        ("001192012346", "cccd"),
        ("001-192-012-346", "cccd"),
        ("001 192 012 346", "cccd"),
    ],
)
def test_search_finds_a_dossier_by_bhxh_code_or_cccd_however_typed(three, clerk, typed, kind):
    found = worklist.worklist(_as(clerk), q=typed)

    assert found.search is not None and found.search.kind == kind
    assert _ids(found) == [three["second"]]


@pytest.mark.parametrize(
    "typed", ["Nguyễn Văn An", "nguyen van an", "NGUYEN  VAN AN", "văn an", "Nguyen"]
)
def test_search_finds_a_dossier_by_name_with_or_without_diacritics(three, clerk, typed):
    found = worklist.worklist(_as(clerk), q=typed)

    assert found.search is not None and found.search.kind == "name"
    assert sorted(_ids(found)) == sorted([three["old"], three["newer"]])


def test_search_folds_the_letter_d_with_stroke(three, clerk, office, api):
    make_citizen(
        bhxh_code="0123456700",
        cccd="001080000001",
        full_name="Đặng Thị Đào",
        dob=dt.date(1980, 1, 1),
        sex=Sex.FEMALE,
    )
    from ansinh.people.models import Employment, Person, Unit

    Employment.objects.create(
        person=Person.objects.get(bhxh_code="0123456700"),
        unit=Unit.objects.get(code="TA01234"),
        start_month="2020-01",
    )
    dao = _file(api, "0123456700", {"address": "3 Lý Thái Tổ"})

    assert fold("Đặng Thị Đào") == "dang thi dao"
    assert _ids(worklist.worklist(_as(clerk), q="dang thi dao")) == [dao]


def test_search_never_finds_another_offices_dossier(three, clerk, outsider, other_office, citizen):
    elsewhere = make_staff(username="canbo9", role="clerk", office=other_office)
    theirs = services.submit_counter_dossier(
        actor=_as(elsewhere),
        person=outsider.person,
        changes={"phone": "0933333333"},
        identity_checked=True,
        note="",
    ).public_id
    also_an = services.submit_counter_dossier(
        actor=_as(elsewhere),
        person=citizen.person,
        changes={"phone": "0944444444"},
        identity_checked=True,
        note="",
    ).public_id

    for text in (theirs, "7912345678", "079085001122", "le van cuong"):
        assert _ids(worklist.worklist(_as(clerk), q=text)) == [], text
    assert also_an not in _ids(worklist.worklist(_as(clerk), q="0123456789"))
    assert _ids(worklist.worklist(_as(elsewhere), q="7912345678")) == [theirs]


def test_digits_that_are_no_identifier_find_nothing(three, clerk):
    found = worklist.worklist(_as(clerk), q="01234")

    assert found.search == search.Search("nothing", "")
    assert found.rows == []


def test_a_search_logs_each_person_shown_and_the_plain_queue_does_not(three, clerk):
    worklist.worklist(_as(clerk), view="all")
    assert not DataAccess.objects.filter(what="search").exists()

    worklist.worklist(_as(clerk), q="nguyen van an")

    logged = DataAccess.objects.filter(what="search", staff=clerk)
    assert sorted(logged.values_list("dossier_ref", flat=True)) == sorted(
        [three["old"], three["newer"]]
    )


def test_the_queue_page_searches_and_answers_a_bad_page_number_with_400(three, clerk):
    from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, login

    staff = Client()
    login(staff, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    page = staff.get("/backoffice/dossiers/", {"q": "0123 456 790"}).content.decode()
    assert f'data-dossier="{three["second"]}"' in page
    assert f'data-dossier="{three["old"]}"' not in page
    assert staff.get("/backoffice/dossiers/", {"page": "-1"}).status_code == 400
