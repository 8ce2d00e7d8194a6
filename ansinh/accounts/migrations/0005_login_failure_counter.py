"""Failed-login counters move from the user row to their own table (accounts.throttle): one
row per typed identifier (the back-off) and one per account (the cap), for registered and
unknown identifiers alike (issue 11 g, k). An account's current count is carried over."""

from django.db import migrations, models
from django.utils import timezone


def carry_over(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model("accounts", "User")
    Counter = apps.get_model("accounts", "LoginFailureCounter")
    Counter.objects.bulk_create(
        Counter(
            key=f"a:{pk}",
            failures=failures,
            last_failed_at=last_at or timezone.now(),
        )
        for pk, failures, last_at in User.objects.filter(failed_logins__gt=0).values_list(
            "pk", "failed_logins", "last_failed_login_at"
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_device_security_stamp"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoginFailureCounter",
            fields=[
                ("key", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("failures", models.PositiveIntegerField(default=0)),
                ("last_failed_at", models.DateTimeField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["last_failed_at"], name="login_failure_last_idx")
                ],
            },
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(model_name="user", name="failed_logins"),
        migrations.RemoveField(model_name="user", name="last_failed_login_at"),
    ]
