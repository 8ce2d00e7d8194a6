"""The parameters of the citizen's calculators (issue 15 §3), each with its legal source
(docs/contributions.md). New values are new rows with a later ``valid_from``."""

import datetime as dt

from django.db import migrations, models

D = dt.date
POVERTY_2016 = "Quyết định 59/2015/QĐ-TTg, Điều 2 (chuẩn nghèo khu vực nông thôn 2016–2020)"
POVERTY_2022 = "Nghị định 07/2021/NĐ-CP, Điều 3 khoản 1 điểm a (chuẩn nghèo khu vực nông thôn 2022–2025)"
VOLUNTARY_2014 = "Luật BHXH 58/2014/QH13, Điều 87 khoản 1 và Điều 89 khoản 2"
VOLUNTARY_2024 = "Luật BHXH 41/2024/QH15, Điều 36 khoản 1 và Điều 31 khoản 2 (từ 01/07/2025)"
SUPPORT_2015 = "Nghị định 134/2015/NĐ-CP, Điều 14 (từ 01/01/2018; người dân tộc thiểu số: như đối tượng khác)"
SUPPORT_2025 = "Luật BHXH 41/2024/QH15, Điều 36 khoản 2; Nghị định 159/2025/NĐ-CP (từ 01/07/2025)"
HOUSEHOLD = "Luật BHYT 25/2008/QH12 sửa đổi bởi Luật 46/2014/QH13, Điều 13 khoản 1 điểm e; Nghị định 146/2018/NĐ-CP, Điều 7 khoản 1 điểm e"

PARAMETERS = [
    # key, value, valid from, source
    ("rural_poverty_line", 700_000, D(2016, 1, 1), POVERTY_2016),
    ("rural_poverty_line", 1_500_000, D(2022, 1, 1), POVERTY_2022),
    ("voluntary_rate_bp", 2200, D(2016, 1, 1), VOLUNTARY_2014),
    ("voluntary_rate_bp", 2200, D(2025, 7, 1), VOLUNTARY_2024),
    ("voluntary_cap_multiplier", 20, D(2016, 1, 1), VOLUNTARY_2014),
    ("voluntary_cap_multiplier", 20, D(2025, 7, 1), VOLUNTARY_2024),
    ("support_poor_bp", 3000, D(2018, 1, 1), SUPPORT_2015),
    ("support_near_poor_bp", 2500, D(2018, 1, 1), SUPPORT_2015),
    ("support_ethnic_minority_bp", 1000, D(2018, 1, 1), SUPPORT_2015),
    ("support_other_bp", 1000, D(2018, 1, 1), SUPPORT_2015),
    ("support_max_months", 120, D(2018, 1, 1), SUPPORT_2015),
    ("support_poor_bp", 5000, D(2025, 7, 1), SUPPORT_2025),
    ("support_near_poor_bp", 4000, D(2025, 7, 1), SUPPORT_2025),
    ("support_ethnic_minority_bp", 3000, D(2025, 7, 1), SUPPORT_2025),
    ("support_other_bp", 2000, D(2025, 7, 1), SUPPORT_2025),
    ("support_max_months", 120, D(2025, 7, 1), SUPPORT_2025),
    ("household_rate_bp", 450, D(2015, 1, 1), HOUSEHOLD),
    ("household_share_2_bp", 7000, D(2015, 1, 1), HOUSEHOLD),
    ("household_share_3_bp", 6000, D(2015, 1, 1), HOUSEHOLD),
    ("household_share_4_bp", 5000, D(2015, 1, 1), HOUSEHOLD),
    ("household_share_5_bp", 4000, D(2015, 1, 1), HOUSEHOLD),
]


def load(apps, schema_editor):
    Parameter = apps.get_model("contributions", "CalculatorParameter")
    for key, value, valid_from, source in PARAMETERS:
        Parameter.objects.get_or_create(
            key=key, valid_from=valid_from, defaults={"value": value, "legal_source": source}
        )


class Migration(migrations.Migration):
    dependencies = [("contributions", "0005_due_date_rules")]
    operations = [
        migrations.CreateModel(
            name="CalculatorParameter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=40)),
                ("value", models.PositiveBigIntegerField()),
                ("valid_from", models.DateField(help_text="first day it applies to")),
                ("legal_source", models.CharField(max_length=300)),
            ],
            options={"ordering": ["key", "-valid_from"]},
        ),
        migrations.AddConstraint(
            model_name="calculatorparameter",
            constraint=models.UniqueConstraint(fields=("key", "valid_from"), name="contrib_calcparam_unique"),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
