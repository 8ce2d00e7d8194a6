"""The demo data of DESIGN §5, loaded by ``ansinh demo``.

Two parts:

* **Fixed records** anyone can try the flows with: office 01001, unit TA01234, the citizens
  0123456789 (with email) and 0123456790 (without), the staff ``canbo1`` (clerk) and
  ``canbo2`` (approver), plus a few more offices, units, a collection organisation and health
  facilities. Loading restores them to the documented values, including the documented
  passwords, and clears lockouts and forced password changes, so a demo that somebody played
  with is usable again after ``ansinh demo``.
* **Synthetic persons** with Vietnamese names, drawn from ``random.Random(seed)``: the same
  seed always gives the same persons, and the first *n* of a larger run are the *n* of a
  smaller one. Existing synthetic rows are left alone; only missing ones are added. About half
  get an account with an unusable password (nobody logs in as them).

No administrator is created: operators use ``ansinh createsuperuser``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models, transaction

from ansinh.accounts.models import Role, User
from ansinh.accounts.services import set_password
from ansinh.accounts.validators import fold
from ansinh.people.models import (
    CollectionOrganisation,
    Employment,
    HealthFacility,
    Office,
    Person,
    Sex,
    Unit,
)

DEFAULT_SYNTHETIC = 300
DEFAULT_SEED = 2026
# Enough for load tests; far below where the name-based emails would run out.
MAX_SYNTHETIC = 100_000

# --- Fixed records (DESIGN §5) ----------------------------------------------------------------

DEMO_OFFICE_CODE = "01001"
DEMO_UNIT_CODE = "TA01234"
DEMO_UNIT_KEY = "demo-unit-key-TA01234"  # noqa: S105 - public on purpose, demo data only

# code, name, province code
OFFICES: tuple[tuple[str, str, str], ...] = (
    ("01001", "BHXH quận Ba Đình", "01"),
    ("01002", "BHXH quận Hoàn Kiếm", "01"),
    ("31001", "BHXH quận Hồng Bàng", "31"),
    ("48001", "BHXH quận Hải Châu", "48"),
    ("79001", "BHXH Quận 1", "79"),
    ("92001", "BHXH quận Ninh Kiều", "92"),
)

# code, name, office code, address
UNITS: tuple[tuple[str, str, str, str], ...] = (
    ("TA01234", "Công ty TNHH An Khang", "01001",
     "25 Phố Liễu Giai, Ba Đình, Hà Nội"),
    ("TA01377", "Công ty Cổ phần Thực phẩm Hồng Hà", "01001",
     "8 Phố Đội Cấn, Ba Đình, Hà Nội"),
    ("TB00815", "Công ty TNHH Thương mại Dịch vụ Minh Phát", "01002",
     "41 Phố Hàng Bông, Hoàn Kiếm, Hà Nội"),
    ("TB01102", "Công ty TNHH Phần mềm Sao Việt", "01002",
     "17 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội"),
    ("HA00519", "Công ty TNHH Cơ khí Lạch Tray", "31001",
     "210 Đường Lạch Tray, Ngô Quyền, Hải Phòng"),
    ("DA00342", "Công ty TNHH Du lịch Biển Mỹ Khê", "48001",
     "96 Đường Bạch Đằng, Hải Châu, Đà Nẵng"),
    ("YA01520", "Công ty Cổ phần Xây dựng Sài Gòn Xanh", "79001",
     "120 Đường Nguyễn Thị Minh Khai, Quận 1, TP. Hồ Chí Minh"),
    ("YA01877", "Công ty TNHH May mặc Phương Nam", "79001",
     "56 Đường Lê Lợi, Quận 1, TP. Hồ Chí Minh"),
    ("QA00288", "Công ty TNHH Thủy sản Tây Đô", "92001",
     "33 Đường 30 Tháng 4, Ninh Kiều, Cần Thơ"),
)  # fmt: skip

# code, name, office code
COLLECTION_ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    ("TC0001", "Bưu điện Ba Đình", "01001"),
)

# code (2 province digits + 3), name, province code
HEALTH_FACILITIES: tuple[tuple[str, str, str], ...] = (
    ("01001", "Bệnh viện Bạch Mai", "01"),
    ("01002", "Bệnh viện Hữu nghị Việt Đức", "01"),
    ("01013", "Bệnh viện Đa khoa Xanh Pôn", "01"),
    ("31002", "Bệnh viện Hữu nghị Việt Tiệp", "31"),
    ("48001", "Bệnh viện Đà Nẵng", "48"),
    ("79003", "Bệnh viện Nhân dân 115", "79"),
    ("79024", "Bệnh viện Chợ Rẫy", "79"),
    ("92001", "Bệnh viện Đa khoa Trung ương Cần Thơ", "92"),
)


@dataclass(frozen=True)
class DemoCitizen:
    bhxh_code: str
    cccd: str
    full_name: str
    date_of_birth: dt.date
    sex: str
    email: str
    phone: str
    address: str
    password: str


@dataclass(frozen=True)
class DemoStaff:
    username: str
    full_name: str
    role: str
    password: str


CITIZENS: tuple[DemoCitizen, ...] = (
    DemoCitizen(
        bhxh_code="0123456789",
        cccd="001090012345",
        full_name="Nguyễn Văn An",
        date_of_birth=dt.date(1990, 5, 17),
        sex=Sex.MALE,
        email="an.nguyen@example.com",
        phone="0912345678",
        address="12 Phố Kim Mã, Ba Đình, Hà Nội",
        password="An-Sinh-Demo-2026",  # noqa: S106 - documented demo password (DESIGN §5)
    ),
    DemoCitizen(
        bhxh_code="0123456790",
        cccd="001192012346",
        full_name="Trần Thị Bình",
        date_of_birth=dt.date(1992, 3, 8),
        sex=Sex.FEMALE,
        email="",
        phone="",
        address="7 Phố Đội Cấn, Ba Đình, Hà Nội",
        password="Binh-Demo-2026!",  # noqa: S106 - documented demo password (DESIGN §5)
    ),
)

STAFF: tuple[DemoStaff, ...] = (
    DemoStaff(
        username="canbo1",
        full_name="Phạm Thu Hà",
        role=Role.CLERK,
        password="Staff-Demo-2026-1",  # noqa: S106 - documented demo password (DESIGN §5)
    ),
    DemoStaff(
        username="canbo2",
        full_name="Lê Minh Tuấn",
        role=Role.APPROVER,
        password="Staff-Demo-2026-2",  # noqa: S106 - documented demo password (DESIGN §5)
    ),
)

# --- Synthetic persons ------------------------------------------------------------------------

# Family names with rough shares of the population, in per mille.
FAMILY_NAMES: tuple[tuple[str, int], ...] = (
    ("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Hoàng", 40), ("Huỳnh", 20),
    ("Phan", 45), ("Vũ", 25), ("Võ", 15), ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13),
    ("Ngô", 13), ("Dương", 10), ("Lý", 5), ("Trương", 10), ("Đinh", 8), ("Mai", 5),
)  # fmt: skip
MIDDLE_NAMES = {
    Sex.MALE: ("Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Xuân",
               "Quang", "Gia", "Trọng", "Anh"),
    Sex.FEMALE: ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Phương", "Minh", "Hồng", "Bảo",
                 "Khánh", "Mai", "Kim", "Diệu"),
}  # fmt: skip
GIVEN_NAMES = {
    Sex.MALE: ("An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy",
               "Khang", "Khoa", "Kiên", "Lâm", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc",
               "Quang", "Quân", "Sơn", "Tâm", "Thắng", "Thịnh", "Trung", "Tuấn", "Việt", "Vinh"),
    Sex.FEMALE: ("Anh", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
                 "Hương", "Huyền", "Lan", "Linh", "Loan", "Ly", "Mai", "My", "Nga", "Ngân",
                 "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Thủy", "Trang", "Tuyết", "Vân",
                 "Yến"),
}  # fmt: skip

# Where synthetic persons live (BHXH province code, weight): the provinces of the demo offices.
RESIDENCE_PROVINCES: tuple[tuple[str, int], ...] = (
    ("01", 40), ("79", 30), ("48", 10), ("31", 10), ("92", 10),
)  # fmt: skip
# Streets (with district) and city per residence province.
ADDRESSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "01": ("Hà Nội", ("Phố Kim Mã, Ba Đình", "Phố Đội Cấn, Ba Đình", "Phố Hàng Bông, Hoàn Kiếm",
                      "Phố Huế, Hai Bà Trưng", "Phố Minh Khai, Hai Bà Trưng", "Đường Láng, Đống Đa",
                      "Phố Chùa Láng, Đống Đa", "Đường Cầu Giấy, Cầu Giấy",
                      "Phố Trần Duy Hưng, Cầu Giấy", "Đường Nguyễn Trãi, Thanh Xuân")),
    "79": ("TP. Hồ Chí Minh", ("Đường Lê Lợi, Quận 1", "Đường Nguyễn Huệ, Quận 1",
                               "Đường Nguyễn Thị Minh Khai, Quận 3",
                               "Đường Cách Mạng Tháng Tám, Quận 10",
                               "Đường Phan Xích Long, Phú Nhuận",
                               "Đường Nguyễn Văn Linh, Quận 7", "Đường Quang Trung, Gò Vấp",
                               "Đường Lũy Bán Bích, Tân Phú")),
    "48": ("Đà Nẵng", ("Đường Bạch Đằng, Hải Châu", "Đường Lê Duẩn, Hải Châu",
                       "Đường Nguyễn Văn Linh, Thanh Khê", "Đường Võ Nguyên Giáp, Sơn Trà",
                       "Đường Tôn Đức Thắng, Liên Chiểu")),
    "31": ("Hải Phòng", ("Đường Lạch Tray, Ngô Quyền", "Phố Điện Biên Phủ, Hồng Bàng",
                         "Đường Tô Hiệu, Lê Chân", "Đường Trần Nguyên Hãn, Lê Chân")),
    "92": ("Cần Thơ", ("Đường 30 Tháng 4, Ninh Kiều", "Đường Mậu Thân, Ninh Kiều",
                       "Đường Trần Hưng Đạo, Ninh Kiều", "Đường Cách Mạng Tháng Tám, Bình Thủy")),
}  # fmt: skip
# 3-digit CCCD province-of-birth codes people moved from.
BIRTH_PROVINCES = (
    "001", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
    "044", "046", "048", "049", "051", "052", "075", "079", "086", "089", "092",
)  # fmt: skip
MOBILE_PREFIXES = (
    "032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "070",
    "076", "077", "078", "079", "081", "082", "083", "084", "085", "086", "088",
    "089", "090", "091", "093", "094", "096", "097", "098",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
BIRTH_FIRST = dt.date(1960, 1, 1)
BIRTH_LAST = dt.date(2005, 12, 31)


@dataclass(frozen=True)
class SyntheticPerson:
    person: Person  # unsaved
    has_account: bool


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in weighted], weights=[w for _, w in weighted])[0]


def _unique_digits(rng: random.Random, used: set[str], head: str, digits: int) -> str:
    """``head`` followed by ``digits`` random digits, not in ``used`` (and then added to it)."""
    while (value := f"{head}{rng.randrange(10**digits):0{digits}d}") in used:
        pass
    used.add(value)
    return value


def synthetic_people(count: int, *, seed: int = DEFAULT_SEED) -> list[SyntheticPerson]:
    """``count`` synthetic persons, the same ones for the same seed; no database access.

    Every value is valid by construction: the CCCD's century/sex/year digits agree with the
    sex and date of birth, the BHXH code starts with the residence province, phones and emails
    are stored normalised. BHXH codes, CCCDs, phones and emails are unique among themselves
    and never equal to those of the fixed demo citizens.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
    used_codes = {c.bhxh_code for c in CITIZENS}
    used_cccds = {c.cccd for c in CITIZENS}
    used_phones = {c.phone for c in CITIZENS if c.phone}
    used_emails = {c.email for c in CITIZENS if c.email}
    span = (BIRTH_LAST - BIRTH_FIRST).days + 1
    people: list[SyntheticPerson] = []
    for _ in range(count):
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        family = _pick(rng, FAMILY_NAMES)
        middle = rng.choice(MIDDLE_NAMES[sex])
        given = rng.choice(GIVEN_NAMES[sex])
        dob = BIRTH_FIRST + dt.timedelta(days=rng.randrange(span))
        province = _pick(rng, RESIDENCE_PROVINCES)
        birth_province = "0" + province if rng.random() < 0.6 else rng.choice(BIRTH_PROVINCES)
        century_sex = (0 if dob.year < 2000 else 2) + (0 if sex == Sex.MALE else 1)
        cccd = _unique_digits(rng, used_cccds, f"{birth_province}{century_sex}{dob:%y}", 6)
        code = _unique_digits(rng, used_codes, province, 8)
        phone = ""
        if rng.random() < 0.9:
            phone = _unique_digits(rng, used_phones, rng.choice(MOBILE_PREFIXES), 7)
        email = ""
        if rng.random() < 0.7:
            local, domain = f"{fold(given)}.{fold(family)}", rng.choice(EMAIL_DOMAINS)
            while (email := f"{local}{rng.randrange(10, 1000)}@{domain}") in used_emails:
                pass
            used_emails.add(email)
        city, streets = ADDRESSES[province]
        address = f"{rng.randint(1, 250)} {rng.choice(streets)}, {city}"
        person = Person(
            bhxh_code=code,
            cccd=cccd,
            full_name=f"{family} {middle} {given}",
            date_of_birth=dob,
            sex=sex,
            address=address,
            province_code=province,
            phone=phone,
            email=email,
            email_verified=bool(email),
        )
        people.append(SyntheticPerson(person=person, has_account=rng.random() < 0.5))
    return people


# --- Loading ----------------------------------------------------------------------------------

M = TypeVar("M", bound=models.Model)
_CHUNK = 500  # keeps IN (...) lists well under every database's parameter limit


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _upsert(
    model: type[M], lookup: dict[str, Any], values: dict[str, Any], *, clean: bool = True
) -> M:
    """Create the row named by ``lookup``, or bring the existing one back to ``values``.

    Only fields that differ are written, so re-loading unchanged data writes nothing.
    """
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        changed: list[str] | None = None
    else:
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if not changed:
            return obj
        for name in changed:
            setattr(obj, name, values[name])
    if clean:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save(update_fields=changed)
    return obj


def _load_registry() -> dict[str, Office]:
    offices = {
        code: _upsert(Office, {"code": code}, {"name": name, "province_code": province})
        for code, name, province in OFFICES
    }
    for code, name, office_code, address in UNITS:
        _upsert(
            Unit,
            {"code": code},
            {"name": name, "office_id": offices[office_code].pk, "address": address},
        )
    for code, name, office_code in COLLECTION_ORGANISATIONS:
        _upsert(
            CollectionOrganisation,
            {"code": code},
            {"name": name, "office_id": offices[office_code].pk},
        )
    for code, name, province in HEALTH_FACILITIES:
        _upsert(HealthFacility, {"code": code}, {"name": name, "province_code": province})
    return offices


def _load_fixed_accounts(offices: dict[str, Office]) -> None:
    for citizen in CITIZENS:
        person = _upsert(
            Person, {"bhxh_code": citizen.bhxh_code},
            {"cccd": citizen.cccd, "full_name": citizen.full_name,
             "date_of_birth": citizen.date_of_birth, "sex": citizen.sex, "address": citizen.address,
             "province_code": citizen.bhxh_code[:2], "phone": citizen.phone, "email": citizen.email,
             "email_verified": bool(citizen.email), "pending_email": "", "nationality": "VN",
             "ethnicity": "Kinh"},
        )  # fmt: skip
        user = _upsert(
            User, {"username": citizen.bhxh_code},
            {"role": Role.CITIZEN, "person_id": person.pk, "office_id": None, "full_name": "",
             "email": "", "is_active": True, "is_superuser": False},
            clean=False,
        )  # fmt: skip
        # The policy applies; lockout, expiry and a forced change are cleared.
        set_password(user=user, new_password=citizen.password)
    office = offices[DEMO_OFFICE_CODE]
    for staff in STAFF:
        user = _upsert(
            User, {"username": staff.username},
            {"role": staff.role, "person_id": None, "office_id": office.pk,
             "full_name": staff.full_name, "email": f"{staff.username}@bhxh.example",
             "is_active": True, "is_superuser": False},
            clean=False,
        )  # fmt: skip
        set_password(user=user, new_password=staff.password)


def _load_synthetic(people: list[SyntheticPerson]) -> int:
    """Add the missing synthetic persons and accounts; return how many of the persons exist.

    A candidate already in the registry (same BHXH code and CCCD) is kept as it is. One whose
    BHXH code or CCCD belongs to some other person is skipped, never overwritten.
    """
    codes = [p.person.bhxh_code for p in people]
    cccds = [p.person.cccd or "" for p in people]
    by_code: dict[str, str | None] = {}
    by_cccd: dict[str, str] = {}
    for chunk in _chunks(codes):
        by_code.update(Person.objects.filter(bhxh_code__in=chunk).values_list("bhxh_code", "cccd"))
    for chunk in _chunks(cccds):
        for code, cccd in Person.objects.filter(cccd__in=chunk).values_list("bhxh_code", "cccd"):
            if cccd is not None:
                by_cccd[cccd] = code
    ours: list[SyntheticPerson] = []
    missing: list[Person] = []
    for candidate in people:
        person = candidate.person
        if person.bhxh_code in by_code:
            if by_code[person.bhxh_code] == person.cccd:
                ours.append(candidate)
        elif person.cccd not in by_cccd:
            person.full_clean(validate_unique=False, validate_constraints=False)
            missing.append(person)
            ours.append(candidate)
    Person.objects.bulk_create(missing, batch_size=_CHUNK)

    wanted = [c.person.bhxh_code for c in ours if c.has_account]
    pks: dict[str, int] = {}
    taken: set[str] = set()
    for chunk in _chunks(wanted):
        pks.update(Person.objects.filter(bhxh_code__in=chunk).values_list("bhxh_code", "pk"))
        taken.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
        taken.update(
            User.objects.filter(person__bhxh_code__in=chunk).values_list(
                "person__bhxh_code", flat=True
            )
        )
    accounts: list[User] = []
    for code in wanted:
        if code in taken:
            continue
        user = User(username=code, role=Role.CITIZEN, person_id=pks[code])
        user.set_unusable_password()  # nobody logs in as a synthetic person
        accounts.append(user)
    User.objects.bulk_create(accounts, batch_size=_CHUNK)
    return len(ours)


def _load_demo_key() -> None:
    """The fixed API key of unit TA01234 (DESIGN §5), issued once, revived if revoked."""
    from ansinh.accounts import keys
    from ansinh.accounts.models import OrganisationKey

    existing = OrganisationKey.objects.filter(digest=keys.digest(DEMO_UNIT_KEY)).first()
    if existing is None:
        keys.issue_key(
            unit=Unit.objects.get(code=DEMO_UNIT_CODE), actor=None, label="demo", raw=DEMO_UNIT_KEY
        )
    elif existing.revoked_at is not None:
        existing.revoked_at = None
        existing.save(update_fields=["revoked_at"])


# Who works where (DESIGN §5): the minimal employment relation the unit API checks ("current
# employees"); the employers' reports keep it current once they arrive.
EMPLOYMENTS: tuple[tuple[str, str, str], ...] = (
    ("0123456789", DEMO_UNIT_CODE, "2015-01"),
    ("0123456790", DEMO_UNIT_CODE, "2018-03"),
)


def _load_employment() -> None:
    """The fixed citizens' open employments at TA01234 (restored if someone ended them)."""
    for bhxh_code, unit_code, start in EMPLOYMENTS:
        person = Person.objects.get(bhxh_code=bhxh_code)
        unit = Unit.objects.get(code=unit_code)
        row = Employment.objects.filter(person=person, unit=unit, start_month=start).first()
        if row is None:
            Employment.objects.create(person=person, unit=unit, start_month=start)
        elif row.end_month:
            row.end_month = ""
            row.save(update_fields=["end_month"])


def _count(model: type[models.Model], field: str, values: Iterable[str]) -> int:
    return sum(
        model._default_manager.filter(**{f"{field}__in": chunk}).count()
        for chunk in _chunks(list(values))
    )


def load_demo_data(
    *, synthetic: int = DEFAULT_SYNTHETIC, seed: int = DEFAULT_SEED
) -> dict[str, int]:
    """Load the demo data of DESIGN §5 in one transaction; safe to run again.

    Contract: the fixed records end up with exactly their documented values and passwords
    (failed logins and forced password changes cleared); the first ``synthetic`` persons of
    ``seed`` exist, missing ones are added and existing ones are not touched. Returns how many
    demo rows of each kind exist afterwards, so a second run returns the same counts.
    """
    if not 0 <= synthetic <= MAX_SYNTHETIC:
        raise ValueError(f"synthetic must be between 0 and {MAX_SYNTHETIC}")
    people = synthetic_people(synthetic, seed=seed)
    with transaction.atomic():
        offices = _load_registry()
        _load_fixed_accounts(offices)
        _load_demo_key()
        _load_employment()
        persons = _load_synthetic(people)
        # Participation histories, payments and cards (issue 5), through their own services.
        from ansinh.contributions.demo import load_contribution_demo

        load_contribution_demo(synthetic_codes=[p.person.bhxh_code for p in people])
    fixed_codes = [c.bhxh_code for c in CITIZENS]
    synthetic_codes = [p.person.bhxh_code for p in people]
    return {
        "offices": _count(Office, "code", (o[0] for o in OFFICES)),
        "units": _count(Unit, "code", (u[0] for u in UNITS)),
        "collection_organisations": _count(
            CollectionOrganisation, "code", (c[0] for c in COLLECTION_ORGANISATIONS)
        ),
        "health_facilities": _count(HealthFacility, "code", (h[0] for h in HEALTH_FACILITIES)),
        "persons": len(fixed_codes) + persons,
        "citizen_accounts": _count(User, "username", fixed_codes + synthetic_codes),
        "staff_accounts": _count(User, "username", (s.username for s in STAFF)),
    }
