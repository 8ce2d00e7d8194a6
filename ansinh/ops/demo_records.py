"""The fixed demo records of DESIGN §5: anyone can try the flows with these (``ops.demo``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ansinh.accounts.models import Role
from ansinh.people.models import Sex

# --- Fixed records (DESIGN §5) ----------------------------------------------------------------

DEMO_OFFICE_CODE = "01001"
DEMO_UNIT_CODE = "TA01234"
DEMO_UNIT_KEY = "demo-unit-key-TA01234"  # noqa: S105 - public on purpose, demo data only


# The demo offices, with what the public "find an office" page shows (issue 12 §2). Addresses
# and phone numbers are made up for the demo (plausible, not the real offices' ones); the hours
# are the usual ones: the office works 07:30–17:00 on weekdays, its counter (bộ phận một cửa)
# takes dossiers 07:30–11:30 and 13:30–16:30, and some counters on Saturday morning.
@dataclass(frozen=True)
class DemoOffice:
    code: str
    name: str
    province_code: str
    province_name: str
    address: str
    phone: str
    weekday_hours: str = "07:30–17:00"
    counter_hours: str = "07:30–11:30, 13:30–16:30"
    counter_saturday_hours: str = ""


OFFICES: tuple[DemoOffice, ...] = (
    DemoOffice("01001", "BHXH quận Ba Đình", "01", "Hà Nội",
               "18 Phố Đội Cấn, phường Đội Cấn, quận Ba Đình, Hà Nội", "024 3823 6543",
               counter_saturday_hours="07:30–11:30"),
    DemoOffice("01002", "BHXH quận Hoàn Kiếm", "01", "Hà Nội",
               "5 Phố Hàng Chuối, phường Phạm Đình Hổ, quận Hoàn Kiếm, Hà Nội", "024 3971 2468"),
    DemoOffice("31001", "BHXH quận Hồng Bàng", "31", "Hải Phòng",
               "27 Phố Điện Biên Phủ, phường Minh Khai, quận Hồng Bàng, Hải Phòng", "0225 382 1357"),
    DemoOffice("48001", "BHXH quận Hải Châu", "48", "Đà Nẵng",
               "112 Đường Lê Duẩn, phường Thạch Thang, quận Hải Châu, Đà Nẵng", "0236 382 4680",
               counter_saturday_hours="07:30–11:00"),
    DemoOffice("79001", "BHXH Quận 1", "79", "TP. Hồ Chí Minh",
               "54 Đường Nguyễn Đình Chiểu, phường Đa Kao, Quận 1, TP. Hồ Chí Minh",
               "028 3829 7531", counter_saturday_hours="07:30–11:30"),
    DemoOffice("92001", "BHXH quận Ninh Kiều", "92", "Cần Thơ",
               "9 Đường Trần Hưng Đạo, phường An Cư, quận Ninh Kiều, Cần Thơ", "0292 382 9753"),
)  # fmt: skip

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
