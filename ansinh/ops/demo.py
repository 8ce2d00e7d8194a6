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

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from django.db import models, transaction

from ansinh.accounts.creation import citizen_account, create_citizen_account
from ansinh.accounts.models import Role, User
from ansinh.accounts.services import set_password
from ansinh.lib.actor import Actor
from ansinh.people.models import (
    CollectionOrganisation,
    Employment,
    HealthFacility,
    Office,
    Person,
    Unit,
)

from .demo_records import (
    CITIZENS,
    COLLECTION_ORGANISATIONS,
    DEMO_OFFICE_CODE,
    DEMO_UNIT_CODE,
    DEMO_UNIT_KEY,
    HEALTH_FACILITIES,
    OFFICES,
    STAFF,
    UNITS,
)
from .synthetic import DEFAULT_SEED, SyntheticPerson, synthetic_people

# The fixed records and the synthetic persons are part of this module's interface.
__all__ = [
    "CITIZENS",
    "DEFAULT_SEED",
    "DEFAULT_SYNTHETIC",
    "DEMO_OFFICE_CODE",
    "DEMO_UNIT_CODE",
    "DEMO_UNIT_KEY",
    "MAX_SYNTHETIC",
    "STAFF",
    "demo_logins",
    "load_demo_data",
    "registry_is_empty",
    "synthetic_people",
]

DEFAULT_SYNTHETIC = 300
# Enough for load tests; far below where the name-based emails would run out.
MAX_SYNTHETIC = 100_000

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
        office.code: _upsert(
            Office,
            {"code": office.code},
            {
                "name": office.name,
                "province_code": office.province_code,
                "province_name": office.province_name,
                "address": office.address,
                "phone": office.phone,
                "weekday_hours": office.weekday_hours,
                "counter_hours": office.counter_hours,
                "counter_saturday_hours": office.counter_saturday_hours,
            },
        )
        for office in OFFICES
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
        if not User.objects.filter(username=citizen.bhxh_code).exists():
            create_citizen_account(person=person, by=Actor.command(), details={"source": "demo"})
        # An existing demo account is put back as the demo describes it.
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
        # Nobody logs in as a synthetic person: no usable password, and no audit row each.
        accounts.append(citizen_account(bhxh_code=code, person_id=pks[code]))
    User.objects.bulk_create(accounts, batch_size=_CHUNK)
    return len(ours)


def _load_demo_key() -> None:
    """The fixed API key of unit TA01234 (DESIGN §5), issued once, revived if revoked."""
    from ansinh.accounts import keys
    from ansinh.accounts.models import OrganisationKey

    existing = OrganisationKey.objects.filter(digest=keys.digest(DEMO_UNIT_KEY)).first()
    if existing is None:
        keys.issue_key(
            unit=Unit.objects.get(code=DEMO_UNIT_CODE),
            actor=Actor.command(),
            label="demo",
            raw=DEMO_UNIT_KEY,
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
        "offices": _count(Office, "code", (o.code for o in OFFICES)),
        "units": _count(Unit, "code", (u[0] for u in UNITS)),
        "collection_organisations": _count(
            CollectionOrganisation, "code", (c[0] for c in COLLECTION_ORGANISATIONS)
        ),
        "health_facilities": _count(HealthFacility, "code", (h[0] for h in HEALTH_FACILITIES)),
        "persons": len(fixed_codes) + persons,
        "citizen_accounts": _count(User, "username", fixed_codes + synthetic_codes),
        "staff_accounts": _count(User, "username", (s.username for s in STAFF)),
    }


def registry_is_empty() -> bool:
    """True before anything was loaded (``ansinh run`` then loads the demo data)."""
    return not Person.objects.exists()


def demo_logins() -> list[str]:
    """The demo logins of DESIGN §5, one line each, as ``ansinh demo`` prints them."""
    lines = [
        f"  {citizen.bhxh_code} (or CCCD {citizen.cccd}) / {citizen.password}  {citizen.full_name}"
        for citizen in CITIZENS
    ]
    lines += [f"  {staff.username} / {staff.password}  {staff.role}" for staff in STAFF]
    return lines
