"""The rules of 2025–2026 (issue 15 §1), each with its legal source (docs/contributions.md):
late interest and evasion, the order a partial payment is booked in, the unemployment-insurance
rates and cap under the Law on Employment 2025 and the reference level (mức tham chiếu) of the
Law on Social Insurance 2024. New values are new rows with a later ``valid_from``.

Months already paid when this runs are marked as announced, so the first "credited" notices
are for payments made from now on, not for years of history."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

D = dt.date
LAW_BHXH_2024 = "Luật BHXH 41/2024/QH15"
LAW_EMPLOYMENT_2025 = "Luật Việc làm 74/2025/QH15 (từ 01/01/2026)"

LATE_RULES = [
    # valid from (a day), interest in millionths a day, evasion after N days, source
    (D(2025, 7, 1), 300, None, f"{LAW_BHXH_2024}, Điều 40 (tiền chậm đóng 0,03 %/ngày trên số tiền chậm đóng, từ 01/07/2025)"),
    (D(2025, 11, 30), 300, 60, f"Nghị định 274/2025/NĐ-CP (từ 30/11/2025: chưa đóng quá 60 ngày kể từ hạn đóng là trốn đóng); {LAW_BHXH_2024}, Điều 39–40"),
]

BOOKING_RULES = [
    (
        D(2025, 7, 1),
        "leaving,health,unemployment,sickness_maternity,accident_disease,pension",
        "Nghị định 233/2025/NĐ-CP, Điều 7 khoản 4 (người nghỉ việc, hưởng chế độ trước; rồi BHYT, "
        "BHTN, BHXH: ốm đau-thai sản, TNLĐ-BNN, hưu trí-tử tuất); hạn đóng theo " + LAW_BHXH_2024,
    ),
]

UNEMPLOYMENT_RATES = [
    ("unemployment", "employer", 100, D(2026, 1, 1), f"{LAW_EMPLOYMENT_2025}: người sử dụng lao động tối đa 1 %"),
    ("unemployment", "employee", 100, D(2026, 1, 1), f"{LAW_EMPLOYMENT_2025}: người lao động tối đa 1 %"),
]
UNEMPLOYMENT_CAP = ("unemployment", 20, "regional_minimum_wage", D(2026, 1, 1), f"{LAW_EMPLOYMENT_2025}: tối đa 20 lần mức lương tối thiểu vùng")

REFERENCE_LEVEL = (
    2_340_000,
    D(2025, 7, 1),
    f"{LAW_BHXH_2024}, Điều 7 (mức tham chiếu, bằng mức lương cơ sở 2.340.000 đ của Nghị định 73/2024/NĐ-CP "
    "khi chưa có mức mới); trần đóng 20 lần mức tham chiếu, Điều 31",
)
BHXH_CAP_SOURCE = f"{LAW_BHXH_2024}, Điều 31 (từ 01/07/2025: tối đa 20 lần mức tham chiếu)"


def load(apps, schema_editor):
    Late = apps.get_model("contributions", "LatePaymentRule")
    Booking = apps.get_model("contributions", "PaymentBookingRule")
    Rate = apps.get_model("contributions", "ContributionRate")
    Cap = apps.get_model("contributions", "SalaryCap")
    Level = apps.get_model("contributions", "ReferenceLevel")
    Month = apps.get_model("contributions", "ContributionMonth")
    for valid_from, ppm, evasion, source in LATE_RULES:
        Late.objects.get_or_create(
            valid_from=valid_from,
            defaults={"interest_ppm_per_day": ppm, "evasion_after_days": evasion, "legal_source": source},
        )
    for valid_from, order, source in BOOKING_RULES:
        Booking.objects.get_or_create(valid_from=valid_from, defaults={"order": order, "legal_source": source})
    for fund, payer, bp, valid_from, source in UNEMPLOYMENT_RATES:
        Rate.objects.get_or_create(
            fund=fund, payer=payer, valid_from=valid_from, defaults={"basis_points": bp, "legal_source": source}
        )
    fund, multiplier, basis, valid_from, source = UNEMPLOYMENT_CAP
    Cap.objects.get_or_create(
        fund=fund, valid_from=valid_from, defaults={"multiplier": multiplier, "basis": basis, "legal_source": source}
    )
    for fund in ("pension", "sickness_maternity", "accident_disease"):
        Cap.objects.get_or_create(
            fund=fund,
            valid_from=D(2025, 7, 1),
            defaults={"multiplier": 20, "basis": "reference_level", "legal_source": BHXH_CAP_SOURCE},
        )
    amount, valid_from, source = REFERENCE_LEVEL
    Level.objects.get_or_create(valid_from=valid_from, defaults={"amount": amount, "legal_source": source})
    Month.objects.filter(paid=True, credited_at__isnull=True).update(credited_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("contributions", "0008_late_payment_and_booking")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
