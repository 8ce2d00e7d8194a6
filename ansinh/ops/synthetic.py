"""Synthetic persons with Vietnamese names for the demo and the benchmarks (``ops.demo``).

Drawn from ``random.Random(seed)``: the same seed always gives the same persons, and the first
*n* of a larger run are the *n* of a smaller one. No database access.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from ansinh.accounts.validators import fold
from ansinh.people.models import Person, Sex

from .demo_records import CITIZENS

DEFAULT_SEED = 2026

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
