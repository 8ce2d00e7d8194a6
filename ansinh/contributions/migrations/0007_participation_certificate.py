import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0006_calculator_parameters"),
        ("people", "0001_initial"),
    ]
    operations = [
        migrations.CreateModel(
            name="ParticipationCertificate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("issued_at", models.DateTimeField()),
                ("history", models.TextField(help_text="canonical JSON of the history the payload signs")),
                ("payload", models.TextField()),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("person", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="people.person")),
            ],
            options={
                "ordering": ["person", "-issued_at"],
                "indexes": [models.Index(fields=["person", "-issued_at"], name="contributio_person__3a16c9_idx")],
            },
        ),
    ]
