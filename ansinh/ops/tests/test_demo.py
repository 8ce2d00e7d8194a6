"""``ansinh demo`` (DESIGN §5): the fixed demo records with their documented values and
passwords, synthetic persons with valid identifiers, and a second run that changes nothing.

Tests run with a fast MD5 hasher (tests_settings.py); the demo passwords are set through the
same service as in production, so they must pass the password policy either way.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ansinh.accounts.models import LoginFailureCounter, Role, User
from ansinh.lib.identifiers import (
    cccd_facts,
    check_cccd_matches,
    normalize_email,
    normalize_phone,
    validate_bhxh_code,
)
from ansinh.ops.demo import CITIZENS, STAFF, synthetic_people
from ansinh.people.models import CollectionOrganisation, HealthFacility, Office, Person, Sex, Unit

pytestmark = pytest.mark.django_db

SYNTHETIC = 20
FIXED_CODES = {"0123456789", "0123456790"}
VIETNAMESE_LETTERS = set("ăâđêôơưáàảãạéèẻẽẹíìỉĩịóòỏõọúùủũụýỳỷỹỵ")


def _demo(synthetic: int = SYNTHETIC) -> str:
    out = io.StringIO()
    call_command("demo", synthetic=synthetic, stdout=out)
    return out.getvalue()


def _logs_in(api, username: str, password: str) -> bool:
    response = api.post("/auth/login", {"username": username, "password": password})
    return bool(response.status_code == 200)


def _snapshot() -> dict[str, object]:
    """Everything the demo writes, row by row (passwords aside)."""
    return {
        "offices": sorted(Office.objects.values_list("code", "name", "province_code")),
        "units": sorted(Unit.objects.values_list("code", "name", "office__code", "address")),
        "organisations": sorted(CollectionOrganisation.objects.values_list("code", "office__code")),
        "facilities": sorted(HealthFacility.objects.values_list("code", "name")),
        "persons": sorted(
            Person.objects.values_list(
                "pk", "bhxh_code", "cccd", "full_name", "date_of_birth", "sex", "phone", "email"
            )
        ),
        "users": sorted(
            User.objects.values_list("pk", "username", "role", "person_id", "office_id")
        ),
    }


# --- The fixed records ----------------------------------------------------------------------------


def test_demo_loads_office_01001_and_unit_ta01234():
    _demo()

    office = Office.objects.get(code="01001")
    assert office.name == "BHXH quận Ba Đình"
    unit = Unit.objects.get(code="TA01234")
    assert (unit.name, unit.office) == ("Công ty TNHH An Khang", office)


def test_demo_loads_the_two_citizens_with_their_registry_data():
    _demo()

    an = Person.objects.get(bhxh_code="0123456789")
    assert (an.full_name, an.date_of_birth, an.sex, an.cccd) == (
        "Nguyễn Văn An",
        dt.date(1990, 5, 17),
        Sex.MALE,
        "001090012345",
    )
    assert (an.email, an.email_verified) == ("an.nguyen@example.com", True)
    binh = Person.objects.get(bhxh_code="0123456790")
    assert (binh.full_name, binh.date_of_birth, binh.sex, binh.cccd) == (
        "Trần Thị Bình",
        dt.date(1992, 3, 8),
        Sex.FEMALE,
        "001192012346",
    )
    assert (binh.email, binh.email_verified) == ("", False)
    for person in (an, binh):
        person.full_clean()  # the CCCD agrees with sex and birth year
        assert person.account.role == Role.CITIZEN
        assert person.account.username == person.bhxh_code


@pytest.mark.parametrize(
    ("identifier", "password", "bhxh_code", "email_masked"),
    [
        ("0123456789", "An-Sinh-Demo-2026", "0123456789", "a********@example.com"),
        ("001090012345", "An-Sinh-Demo-2026", "0123456789", "a********@example.com"),
        ("0123456790", "Binh-Demo-2026!", "0123456790", None),
        ("001192012346", "Binh-Demo-2026!", "0123456790", None),
    ],
)
def test_demo_citizens_log_in_through_the_api_with_the_documented_passwords(
    api, identifier, password, bhxh_code, email_masked
):
    _demo()

    tokens = api.login(identifier, password)
    me = api.get("/me", token=tokens["access_token"]).json()

    assert tokens["password_change_required"] is False
    assert (me["kind"], me["bhxh_code"], me["email_masked"]) == ("citizen", bhxh_code, email_masked)


@pytest.mark.parametrize(
    ("username", "password", "role"),
    [("canbo1", "Staff-Demo-2026-1", "clerk"), ("canbo2", "Staff-Demo-2026-2", "approver")],
)
def test_demo_staff_log_in_through_the_api_with_their_roles_and_office(
    api, username, password, role
):
    _demo()

    tokens = api.login(username, password)
    me = api.get("/me", token=tokens["access_token"]).json()

    assert (me["kind"], me["username"], me["role"]) == ("staff", username, role)
    assert me["office"] == {"code": "01001", "name": "BHXH quận Ba Đình"}


def test_demo_passwords_are_not_interchangeable(api):
    _demo()

    assert not _logs_in(api, "0123456789", "Binh-Demo-2026!")
    assert not _logs_in(api, "canbo1", "Staff-Demo-2026-2")


def test_demo_creates_no_administrator():
    _demo()

    assert not User.objects.filter(role=Role.ADMIN).exists()
    assert not User.objects.filter(is_superuser=True).exists()
    assert sorted(User.objects.exclude(role=Role.CITIZEN).values_list("username", "role")) == [
        ("canbo1", Role.CLERK),
        ("canbo2", Role.APPROVER),
    ]


# --- Synthetic persons --------------------------------------------------------------------------


def test_demo_loads_the_requested_number_of_synthetic_persons():
    _demo()

    synthetic = Person.objects.exclude(bhxh_code__in=FIXED_CODES)
    assert synthetic.count() == SYNTHETIC
    assert set(synthetic.values_list("bhxh_code", flat=True)) == {
        p.person.bhxh_code for p in synthetic_people(SYNTHETIC)
    }


def test_synthetic_persons_have_valid_identifiers_agreeing_with_sex_and_birth_year():
    _demo()

    persons = list(Person.objects.exclude(bhxh_code__in=FIXED_CODES))
    assert len(persons) == SYNTHETIC
    for person in persons:
        assert validate_bhxh_code(person.bhxh_code) == person.bhxh_code
        assert person.province_code == person.bhxh_code[:2]
        assert person.cccd is not None
        check_cccd_matches(person.cccd, sex=person.sex, date_of_birth=person.date_of_birth)
        facts = cccd_facts(person.cccd)
        assert (facts.sex, facts.birth_year) == (person.sex, person.date_of_birth.year)
        if person.phone:
            assert normalize_phone(person.phone) == person.phone
        if person.email:
            assert normalize_email(person.email) == person.email
        assert person.email_verified == bool(person.email)
        assert len(person.full_name.split()) >= 3
        person.full_clean()
    # Vietnamese names, and both sexes.
    assert VIETNAMESE_LETTERS & set("".join(p.full_name.lower() for p in persons))
    assert {p.sex for p in persons} == {Sex.MALE, Sex.FEMALE}


def test_a_cccd_disagreeing_with_the_birth_year_would_be_caught():
    # The check the synthetic persons pass is not vacuous.
    with pytest.raises(ValidationError):
        check_cccd_matches("001090012345", sex=Sex.MALE, date_of_birth=dt.date(1991, 5, 17))
    with pytest.raises(ValidationError):
        check_cccd_matches("001090012345", sex=Sex.FEMALE, date_of_birth=dt.date(1990, 5, 17))


def test_synthetic_accounts_cannot_log_in(api):
    _demo()

    accounts = User.objects.filter(role=Role.CITIZEN).exclude(username__in=FIXED_CODES)
    assert accounts.exists()
    for user in accounts:
        assert not user.has_usable_password()
    response = api.post("/auth/login", {"username": accounts[0].username, "password": "x" * 12})
    assert response.status_code == 401


# --- Running it again --------------------------------------------------------------------------


def test_running_demo_twice_changes_nothing_and_reports_the_same_counts(api):
    first_output = _demo()
    before = _snapshot()

    second_output = _demo()

    assert _snapshot() == before
    assert second_output == first_output
    assert len(before["persons"]) == 2 + SYNTHETIC  # type: ignore[arg-type]
    for username, password in [(c.bhxh_code, c.password) for c in CITIZENS] + [
        (s.username, s.password) for s in STAFF
    ]:
        assert _logs_in(api, username, password), username


def test_running_demo_again_restores_a_fixed_account_somebody_changed(api):
    _demo()
    user = User.objects.get(username="0123456789")
    user.set_password("Mot-Mat-Khau-Khac-2026")
    user.password_change_required = True
    user.save()
    LoginFailureCounter.objects.create(
        key=f"a:{user.pk}", failures=100, last_failed_at=timezone.now()
    )
    Person.objects.filter(bhxh_code="0123456789").update(email="khac@example.org")

    _demo()

    user.refresh_from_db()
    assert user.check_password("An-Sinh-Demo-2026")
    assert not user.check_password("Mot-Mat-Khau-Khac-2026")
    assert (user.failed_logins, user.password_change_required) == (0, False)
    assert Person.objects.get(bhxh_code="0123456789").email == "an.nguyen@example.com"
    assert _logs_in(api, "0123456789", "An-Sinh-Demo-2026")


def test_running_demo_again_leaves_synthetic_persons_alone():
    _demo()
    person = Person.objects.exclude(bhxh_code__in=FIXED_CODES).order_by("bhxh_code").first()
    assert person is not None
    Person.objects.filter(pk=person.pk).update(address="1 Phố Mới, Hà Nội")

    _demo()

    person.refresh_from_db()
    assert person.address == "1 Phố Mới, Hà Nội"
    assert Person.objects.filter(bhxh_code=person.bhxh_code).count() == 1


def test_a_larger_run_adds_only_the_missing_synthetic_persons():
    _demo(SYNTHETIC)
    before = set(Person.objects.values_list("pk", "bhxh_code"))

    _demo(SYNTHETIC + 5)

    after = set(Person.objects.values_list("pk", "bhxh_code"))
    assert before < after
    assert len(after - before) == 5


@pytest.mark.parametrize("count", [-1, 100_001])
def test_demo_refuses_an_out_of_range_synthetic_count(count):
    with pytest.raises(CommandError):
        _demo(count)

    assert not Person.objects.exists()


def test_the_demo_history_announces_no_new_employer(django_capture_on_commit_callbacks):
    from ansinh.notifications.models import Notice, OutboundEmail

    with django_capture_on_commit_callbacks(execute=True):
        _demo()

    # The demo's hires are history loaded by the operator, not hires a unit reports today.
    assert not OutboundEmail.objects.filter(kind="new_employer").exists()
    assert not Notice.objects.filter(kind="new_employer").exists()
