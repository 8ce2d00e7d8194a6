"""The rates, reference levels, regional minimum wages and salary caps in force since 2015,
each with its legal source (docs/contributions.md). Staff change them in the admin; new values
are new rows with a later ``valid_from``."""

import datetime as dt

from django.db import migrations

D = dt.date
LAW_BHXH_2014 = "Luật BHXH 58/2014/QH13, Điều 85–86 (từ 01/01/2016 theo mức hiện hành; Luật BHXH 41/2024/QH15, Điều 33 từ 01/07/2025)"
LAW_EMPLOYMENT = "Luật Việc làm 38/2013/QH13, Điều 57"
LAW_HEALTH = "Luật BHYT 25/2008/QH12 sửa đổi bởi Luật 46/2014/QH13; Nghị định 146/2018/NĐ-CP, Điều 7"

RATES = [
    # fund, payer, basis points, valid from, source
    ("pension", "employer", 1400, D(2015, 1, 1), LAW_BHXH_2014),
    ("pension", "employee", 800, D(2015, 1, 1), LAW_BHXH_2014),
    ("sickness_maternity", "employer", 300, D(2015, 1, 1), LAW_BHXH_2014),
    ("sickness_maternity", "employee", 0, D(2015, 1, 1), LAW_BHXH_2014),
    ("accident_disease", "employer", 100, D(2015, 1, 1), "Luật BHXH 58/2014/QH13, Điều 86 khoản 1 điểm b"),
    ("accident_disease", "employer", 50, D(2017, 6, 1), "Nghị định 44/2017/NĐ-CP; Nghị định 58/2020/NĐ-CP, Điều 4 (0,5 %)"),
    ("accident_disease", "employee", 0, D(2015, 1, 1), "Luật An toàn, vệ sinh lao động 84/2015/QH13, Điều 44"),
    ("unemployment", "employer", 100, D(2015, 1, 1), LAW_EMPLOYMENT),
    ("unemployment", "employee", 100, D(2015, 1, 1), LAW_EMPLOYMENT),
    ("health", "employer", 300, D(2015, 1, 1), LAW_HEALTH),
    ("health", "employee", 150, D(2015, 1, 1), LAW_HEALTH),
]

REFERENCE_LEVELS = [
    (1_150_000, D(2013, 7, 1), "Nghị định 66/2013/NĐ-CP"),
    (1_210_000, D(2016, 5, 1), "Nghị định 47/2016/NĐ-CP"),
    (1_300_000, D(2017, 7, 1), "Nghị định 47/2017/NĐ-CP"),
    (1_390_000, D(2018, 7, 1), "Nghị định 72/2018/NĐ-CP"),
    (1_490_000, D(2019, 7, 1), "Nghị định 38/2019/NĐ-CP"),
    (1_800_000, D(2023, 7, 1), "Nghị định 24/2023/NĐ-CP"),
    (2_340_000, D(2024, 7, 1), "Nghị định 73/2024/NĐ-CP"),
]

REGIONAL_MINIMUM_WAGES = [
    # valid from, source, (I, II, III, IV)
    (D(2015, 1, 1), "Nghị định 103/2014/NĐ-CP", (3_100_000, 2_750_000, 2_400_000, 2_150_000)),
    (D(2016, 1, 1), "Nghị định 122/2015/NĐ-CP", (3_500_000, 3_100_000, 2_700_000, 2_400_000)),
    (D(2017, 1, 1), "Nghị định 153/2016/NĐ-CP", (3_750_000, 3_320_000, 2_900_000, 2_580_000)),
    (D(2018, 1, 1), "Nghị định 141/2017/NĐ-CP", (3_980_000, 3_530_000, 3_090_000, 2_760_000)),
    (D(2019, 1, 1), "Nghị định 157/2018/NĐ-CP", (4_180_000, 3_710_000, 3_250_000, 2_920_000)),
    (D(2020, 1, 1), "Nghị định 90/2019/NĐ-CP", (4_420_000, 3_920_000, 3_430_000, 3_070_000)),
    (D(2022, 7, 1), "Nghị định 38/2022/NĐ-CP", (4_680_000, 4_160_000, 3_640_000, 3_250_000)),
    (D(2024, 7, 1), "Nghị định 74/2024/NĐ-CP", (4_960_000, 4_410_000, 3_860_000, 3_450_000)),
    (D(2026, 1, 1), "Nghị định 293/2025/NĐ-CP", (5_310_000, 4_730_000, 4_140_000, 3_700_000)),
]

CAP_BHXH = "Luật BHXH 58/2014/QH13, Điều 89 khoản 3; Luật BHXH 41/2024/QH15, Điều 31 (từ 01/07/2025)"
CAPS = [
    ("pension", 20, "reference_level", D(2015, 1, 1), CAP_BHXH),
    ("sickness_maternity", 20, "reference_level", D(2015, 1, 1), CAP_BHXH),
    ("accident_disease", 20, "reference_level", D(2015, 1, 1), CAP_BHXH),
    ("health", 20, "reference_level", D(2015, 1, 1), "Nghị định 146/2018/NĐ-CP, Điều 7 khoản 1 điểm a"),
    ("unemployment", 20, "regional_minimum_wage", D(2015, 1, 1), "Luật Việc làm 38/2013/QH13, Điều 58 khoản 2"),
]


def load(apps, schema_editor):
    Rate = apps.get_model("contributions", "ContributionRate")
    Level = apps.get_model("contributions", "ReferenceLevel")
    Wage = apps.get_model("contributions", "RegionalMinimumWage")
    Cap = apps.get_model("contributions", "SalaryCap")
    for fund, payer, bp, valid_from, source in RATES:
        Rate.objects.get_or_create(
            fund=fund, payer=payer, valid_from=valid_from,
            defaults={"basis_points": bp, "legal_source": source},
        )
    for amount, valid_from, source in REFERENCE_LEVELS:
        Level.objects.get_or_create(valid_from=valid_from, defaults={"amount": amount, "legal_source": source})
    for valid_from, source, amounts in REGIONAL_MINIMUM_WAGES:
        for region, amount in zip(("I", "II", "III", "IV"), amounts, strict=True):
            Wage.objects.get_or_create(
                region=region, valid_from=valid_from, defaults={"amount": amount, "legal_source": source}
            )
    for fund, multiplier, basis, valid_from, source in CAPS:
        Cap.objects.get_or_create(
            fund=fund, valid_from=valid_from,
            defaults={"multiplier": multiplier, "basis": basis, "legal_source": source},
        )


class Migration(migrations.Migration):
    dependencies = [("contributions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
