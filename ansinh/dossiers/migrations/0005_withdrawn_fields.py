from django.db import migrations, models


def withdraw_leftover_fields(apps, schema_editor):
    """Fields of dossiers withdrawn before this migration kept "pending" (or "approved", never
    applied): they become "withdrawn", as ``withdraw_dossier`` now writes them."""
    RequestedChange = apps.get_model("dossiers", "RequestedChange")
    RequestedChange.objects.filter(dossier__status="withdrawn").exclude(
        status="rejected"
    ).update(status="withdrawn")


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0004_attachment_kind"),
    ]

    operations = [
        migrations.AlterField(
            model_name="requestedchange",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting for a decision"),
                    ("awaiting_second", "Waiting for a second approver"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("withdrawn", "Withdrawn, not applied"),
                ],
                default="pending",
                max_length=20,
            ),
        ),
        migrations.RunPython(withdraw_leftover_fields, migrations.RunPython.noop),
    ]
