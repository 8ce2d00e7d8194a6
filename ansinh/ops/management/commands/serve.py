from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.base import BaseApplication

from ansinh.ops.metrics import forget_dead_processes


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from ansinh.wsgi import application

        return application


def _child_exit(server: Any, worker: Any) -> None:
    # prometheus_client's multi-process mode: forget the live gauges of a dead worker.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class Command(BaseCommand):
    help = (
        "Serve the portal and the API (no worker, no migrations): WEB_CONCURRENCY processes "
        "(gunicorn) each reading requests in an event loop and running them on "
        "GUNICORN_THREADS threads (waitress). Run `ansinh worker` beside it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        forget_dead_processes()
        _Gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": settings.WEB_CONCURRENCY,
                # Connections and whole requests are read by each process's event loop before
                # a thread runs them: slow clients cannot hold the threads (ansinh/ops/webserver.py).
                "worker_class": settings.GUNICORN_WORKER_CLASS,
                "threads": settings.GUNICORN_THREADS,
                "timeout": settings.GUNICORN_TIMEOUT,
                "graceful_timeout": settings.GUNICORN_TIMEOUT,
                "keepalive": 5,  # gunicorn's own workers only; waitress: WEB_CHANNEL_TIMEOUT
                # Recycle workers now and then so a slow leak can never grow without bound.
                "max_requests": settings.GUNICORN_MAX_REQUESTS,
                "max_requests_jitter": max(1, settings.GUNICORN_MAX_REQUESTS // 10),
                "child_exit": _child_exit,
                "accesslog": None,  # the request log comes from ansinh.ops.middleware
                "errorlog": "-",
                "proc_name": "ansinh-web",
                "forwarded_allow_ips": settings.GUNICORN_FORWARDED_ALLOW_IPS,
            }
        ).run()
