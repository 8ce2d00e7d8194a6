from django.apps import AppConfig
from django.db.backends.signals import connection_created


class DossiersConfig(AppConfig):
    name = "ansinh.dossiers"
    label = "dossiers"
    verbose_name = "Dossiers"

    def ready(self) -> None:
        from ansinh.lib.fold import register_sqlite

        # The office search folds names in SQL (lib/fold.py); PostgreSQL has ``unaccent``.
        connection_created.connect(register_sqlite, dispatch_uid="ansinh_fold")
