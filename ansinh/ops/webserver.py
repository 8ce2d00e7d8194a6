"""The HTTP servers of ``ansinh serve`` and ``ansinh run`` (docs/operations.md, issue 11 d).

Both serve Django's WSGI application with **waitress**, whose event loop (one thread per process)
accepts connections and reads each request whole — headers and body, a large body spooled to a
temporary file — before a worker thread gets it. A client that connects and sends nothing, or
sends its headers or body a byte at a time (slowloris), costs a socket and a few kilobytes in
the loop, never a thread: legitimate requests keep being answered while hundreds of such
connections are open (bench/slowclients.py, bench/results/slowclients.md). gunicorn's own
threaded worker handed every new connection to a thread that then waited for the request: four
idle sockets held every thread of two processes.

``ansinh serve`` keeps gunicorn as the process manager (pre-forked processes sharing one
listening socket, worker recycling, heartbeats, graceful reloads, the metrics clean-up of a dead
worker) and runs :class:`WaitressWorker` in each process. ``ansinh run`` calls waitress directly
(one process, beside the task worker). Both use :func:`waitress_options`.
"""

from __future__ import annotations

import itertools
import logging
import os
import resource
import time
from collections.abc import Callable, Iterable
from ipaddress import ip_address
from typing import Any

from django.conf import settings
from gunicorn.workers.base import Worker

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def raise_open_files_limit(wanted: int) -> int:
    """Raise this process's soft limit of open files towards ``wanted`` (never above the hard
    limit, never lower than it is): each open connection is a file descriptor. Returns the soft
    limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # a container may forbid it: keep what we have
            logger.warning("could not raise the open-files limit from %s to %s", soft, target)
    return int(soft)


def waitress_options(*, threads: int) -> dict[str, Any]:
    """waitress's adjustments for both commands, from the settings (docs/operations.md)."""
    connection_limit = settings.WEB_CONNECTION_LIMIT
    # Room for every connection, the files a request opens (spooled bodies, templates, the
    # database and Redis sockets) and the listening sockets.
    raise_open_files_limit(connection_limit + 256)
    return {
        "threads": threads,
        # Connections held open at once per process (idle, keep-alive or still sending). Past
        # it waitress stops accepting until some close: the proxy's per-address limit
        # (limit_conn) keeps one client from using them all.
        "connection_limit": connection_limit,
        # A connection with no traffic for this long is closed (checked every cleanup_interval).
        "channel_timeout": settings.WEB_CHANNEL_TIMEOUT,
        "cleanup_interval": max(1, min(10, settings.WEB_CHANNEL_TIMEOUT // 3)),
        # poll(2) instead of select(2): no limit of 1,024 file descriptors.
        "asyncore_use_poll": True,
        "backlog": 2048,
        # A request line and headers larger than this are refused (431) before any thread
        # sees them; the largest body any endpoint takes (a unit report) plus room for the
        # multipart envelope: anything larger is refused (413) while it arrives.
        "max_request_header_size": 64 * 1024,
        "max_request_body_size": settings.REPORT_MAX_BYTES + 1024 * 1024,
        # The proxy headers reach Django unchanged; Django and ansinh.lib decide what to
        # believe (TRUSTED_PROXY_COUNT, SECURE_PROXY_SSL_HEADER after forwarded_proto_filter).
        "clear_untrusted_proxy_headers": False,
        "ident": "ansinh",
    }


def forwarded_proto_filter(app: WSGIApp, allowed: str) -> WSGIApp:
    """Drop ``X-Forwarded-Proto`` unless the peer is one of ``allowed`` (comma-separated
    addresses, or ``*``): only the reverse proxy may tell Django that a request came over
    HTTPS (``SECURE_PROXY_SSL_HEADER``), as gunicorn's ``forwarded_allow_ips`` did."""
    entries = {item.strip() for item in allowed.split(",") if item.strip()}
    if "*" in entries:
        return app
    trusted = set()
    for entry in entries:
        try:
            trusted.add(ip_address(entry))
        except ValueError:
            logger.warning("GUNICORN_FORWARDED_ALLOW_IPS: %r is not an address", entry)

    def filtered(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if "HTTP_X_FORWARDED_PROTO" in environ:
            try:
                peer_trusted = ip_address(environ.get("REMOTE_ADDR", "")) in trusted
            except ValueError:
                peer_trusted = False
            if not peer_trusted:
                del environ["HTTP_X_FORWARDED_PROTO"]
        return app(environ, start_response)

    return filtered


class WaitressWorker(Worker):
    """A gunicorn worker process that serves with waitress on gunicorn's listening sockets.

    The process's main thread runs waitress's event loop in steps of at most a second and tells
    the gunicorn master it is alive after each step; ``cfg.threads`` threads run the requests.
    After ``max_requests`` requests (gunicorn's recycling) or on SIGTERM it stops accepting,
    lets the requests in progress finish (at most ``graceful_timeout`` seconds) and exits; the
    master starts a replacement.
    """

    alive: bool  # set by gunicorn's Worker (untyped)

    def run(self) -> None:
        from waitress import wasyncore
        from waitress.server import create_server

        socket_map: dict[int, Any] = {}
        server = create_server(
            self._counting(
                forwarded_proto_filter(self.wsgi, settings.GUNICORN_FORWARDED_ALLOW_IPS)
            ),
            map=socket_map,
            sockets=[listener.sock for listener in self.sockets],
            **waitress_options(threads=self.cfg.threads),
        )
        listeners = [d for d in socket_map.values() if getattr(d, "accepting", False)]
        parent = self.ppid
        next_beat = 0.0
        while self.alive:
            now = time.monotonic()
            if now >= next_beat:  # at most twice a second: a busy loop turns often
                self.notify()
                next_beat = now + 0.5
                if os.getppid() != parent:
                    self.log.info("Parent changed, shutting down: %s", self)
                    break
            wasyncore.loop(timeout=1.0, map=socket_map, use_poll=True, count=1)
        # Stop accepting (the other processes and the replacement take the new connections),
        # then finish what is in progress.
        for listener in listeners:
            listener.accepting = False
            listener.del_channel()  # out of the loop; the socket itself stays gunicorn's
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline and any(
            getattr(channel, "requests", None) or getattr(channel, "total_outbufs_len", 0)
            for channel in list(socket_map.values())
        ):
            self.notify()
            wasyncore.loop(timeout=0.2, map=socket_map, use_poll=True, count=1)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        wasyncore.close_all(socket_map)

    def _counting(self, app: WSGIApp) -> WSGIApp:
        """``app``, counting requests for gunicorn's worker recycling (``max_requests``)."""
        counter = itertools.count(1)

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            self.nr = next(counter)
            if self.nr >= self.max_requests and self.alive:
                self.log.info("Autorestarting worker after current request.")
                self.alive = False
            return app(environ, start_response)

        return counted
