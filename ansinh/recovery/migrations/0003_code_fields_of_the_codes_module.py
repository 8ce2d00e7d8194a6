"""The code's salt and digest take the names of ``ansinh.accounts.codes`` (one module for every
emailed code); a decoy keeps an empty salt."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0002_code_issued_at"),
    ]

    operations = [
        migrations.RenameField(model_name="recovery", old_name="otp_salt", new_name="code_salt"),
        migrations.RenameField(
            model_name="recovery", old_name="otp_digest", new_name="code_digest"
        ),
        migrations.AlterField(
            model_name="recovery",
            name="code_salt",
            field=models.CharField(blank=True, max_length=32),
        ),
    ]
