"""The due-date rules (DESIGN §3.5, issue 12 §2), each with its legal source
(docs/contributions.md). New rules are new rows with a later ``valid_from``."""

import datetime as dt

from django.db import migrations, models

RULES = [
    # valid from (first month it applies to), months after the month, source
    (
        dt.date(2015, 1, 1),
        0,
        "Luật BHXH 58/2014/QH13, Điều 86; Quyết định 595/QĐ-BHXH, Điều 7 "
        "(chậm nhất đến ngày cuối cùng của tháng)",
    ),
    (
        dt.date(2025, 7, 1),
        1,
        "Luật BHXH 41/2024/QH15, Điều 34 (từ 01/07/2025: chậm nhất đến ngày cuối cùng "
        "của tháng tiếp theo ngay sau tháng đóng)",
    ),
]


def load(apps, schema_editor):
    Rule = apps.get_model("contributions", "DueDateRule")
    for valid_from, months_after, source in RULES:
        Rule.objects.get_or_create(
            valid_from=valid_from, defaults={"months_after": months_after, "legal_source": source}
        )


class Migration(migrations.Migration):
    dependencies = [("contributions", "0004_alter_report_channel")]
    operations = [
        migrations.CreateModel(
            name="DueDateRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("valid_from", models.DateField(help_text="first day of the first month it applies to", unique=True)),
                ("months_after", models.PositiveSmallIntegerField()),
                ("legal_source", models.CharField(max_length=300)),
            ],
            options={"ordering": ["-valid_from"]},
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
