import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from waitress import serve

from ansinh.ops.demo import registry_is_empty
from ansinh.ops.webserver import forwarded_proto_filter, waitress_options
from ansinh.ops.worker import make_worker, start_sweeper, start_wakeup
from ansinh.wsgi import application


class Command(BaseCommand):
    help = (
        "Migrate, load the demo data if the registry is empty, and serve the portal, the API "
        "and the worker in one process."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        database = settings.DATABASES["default"]
        if database["ENGINE"] == "django.db.backends.sqlite3" and database["NAME"] != ":memory:":
            Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if registry_is_empty():
            self.stdout.write("Loading the demo data…")
            call_command("demo")
        stop = threading.Event()
        start_sweeper(stop)
        # Woken by the commit that queues a task (or PostgreSQL's NOTIFY); the poll is a fallback.
        wakeup = start_wakeup(stop)
        worker_thread = threading.Thread(
            target=make_worker(wakeup=wakeup, interval=0.5).run, name="ansinh-worker", daemon=True
        )
        worker_thread.start()
        self.stdout.write(f"An Sinh: http://{host}:{port}/  (API docs: /api/v1/docs)")
        if settings.DEV_MAILBOX:
            self.stdout.write(f"Development mailbox: http://{host}:{port}/dev/mailbox/")
        try:
            # waitress reads connections and whole requests in its event loop before a thread
            # runs them: idle or trickling clients cannot hold the threads (issue 11 d).
            serve(
                forwarded_proto_filter(application, settings.GUNICORN_FORWARDED_ALLOW_IPS),
                host=host,
                port=port,
                **waitress_options(threads=threads),
            )
        finally:
            stop.set()
