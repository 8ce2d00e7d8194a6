"""Prometheus metrics (docs/operations.md "Metrics").

The counters live in ``ansinh.lib.metrics`` (incremented where things happen). Gauges that describe stored state — task queue depth
and lag, emails by status, dossiers by status — are read from the database at scrape time by
``StateCollector``, so every web process reports the same, true values.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import REGISTRY, Collector


class StateCollector(Collector):
    """Gauges read from the database when /metrics is scraped."""

    def collect(self) -> Iterator[Metric]:
        from ansinh.notifications.models import OutboundEmail

        depth, lag = queue_state()
        yield GaugeMetricFamily(
            "ansinh_task_queue_depth", "Tasks due and waiting for a worker.", value=depth
        )
        yield GaugeMetricFamily(
            "ansinh_task_queue_lag_seconds",
            "How long the oldest due task has waited for a worker.",
            value=lag,
        )
        outbox = GaugeMetricFamily(
            "ansinh_outbox_emails", "Emails in the outbox by status.", labels=["status"]
        )
        for row in OutboundEmail.objects.values("status").annotate(n=Count("pk")):
            outbox.add_metric([row["status"]], row["n"])
        yield outbox
        if apps.is_installed("ansinh.dossiers"):
            dossier_model = apps.get_model("dossiers", "Dossier")
            dossiers = GaugeMetricFamily(
                "ansinh_dossiers", "Dossiers by status.", labels=["status"]
            )
            for row in dossier_model.objects.values("status").annotate(n=Count("pk")):
                dossiers.add_metric([row["status"]], row["n"])
            yield dossiers


_STATE = CollectorRegistry()
_STATE.register(StateCollector())


def queue_state() -> tuple[int, float]:
    """(tasks due now and waiting, seconds the oldest of them has waited since it was due)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    due = DBTaskResult.objects.ready()
    depth = due.count()
    if not depth:
        return 0, 0.0
    now = timezone.now()
    oldest_now = due.filter(run_after=get_date_max()).aggregate(t=Min("enqueued_at"))["t"]
    oldest_deferred = due.exclude(run_after=get_date_max()).aggregate(t=Min("run_after"))["t"]
    oldest = min(t for t in (oldest_now, oldest_deferred, now) if t is not None)
    return depth, max(0.0, (now - oldest).total_seconds())


def render() -> bytes:
    """The text exposition of every metric: all processes' counters plus the stored state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_STATE)


def forget_dead_processes() -> None:
    """Drop the live-gauge files of processes that are gone (multi-process mode), e.g. from a
    previous run; their counters stay, as Prometheus counters should."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    for path in Path(directory).glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            mark_process_dead(int(pid), directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
