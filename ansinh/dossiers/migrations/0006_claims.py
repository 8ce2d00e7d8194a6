"""Issue 14: who holds a dossier ("Nhận xử lý") and since when they last acted on it; and, on
PostgreSQL, the ``unaccent`` extension the office search folds names with (``lib/fold.py``;
SQLite gets the same folding as a Python function)."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0005_withdrawn_fields"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        UnaccentExtension(),
        migrations.AddField(
            model_name="dossier",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="dossier",
            name="claimed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
