from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def bind_live_devices(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Devices signed in before this migration keep working: they get their account's stamp."""
    DeviceSession = apps.get_model("accounts", "DeviceSession")
    User = apps.get_model("accounts", "User")
    DeviceSession.objects.filter(revoked_at__isnull=True).update(
        security_stamp=Subquery(
            User.objects.filter(pk=OuterRef("user_id")).values("security_stamp")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_organisation_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="devicesession",
            name="security_stamp",
            field=models.CharField(default="", max_length=32),
        ),
        migrations.RunPython(bind_live_devices, migrations.RunPython.noop),
    ]
