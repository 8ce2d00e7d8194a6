import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from waitress import serve

from ansinh.wsgi import application


class Command(BaseCommand):
    help = "Serve the portal and the API (no worker, no migrations): run `ansinh worker` beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        threads = int(os.environ.get("WEB_CONCURRENCY", "") or 8)
        serve(application, host=host, port=port, threads=threads, ident="ansinh")
