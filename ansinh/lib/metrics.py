"""Prometheus counters, incremented where things happen (docs/operations.md "Metrics").

Requests are counted by ``ops.middleware``; authentication and recovery events by
``audit.services.record`` (every such event passes through it, which calls ``count_event``);
emails by the outbox. They live in ``lib`` so every layer can count without importing the
operations package; the gauges read at scrape time and the exposition stay in ``ops.metrics``.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "ansinh_http_requests_total", "HTTP requests answered.", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "ansinh_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
LOGINS = Counter("ansinh_logins_total", "Login attempts by outcome.", ["outcome"])
RECOVERIES = Counter("ansinh_recoveries_total", "Password recoveries by stage.", ["stage"])
OTP_FAILURES = Counter("ansinh_otp_failures_total", "Wrong recovery codes entered.")
EMAILS = Counter("ansinh_emails_total", "Emails by what happened to them.", ["event"])

# audit event → (counter, label) ; the audit log is the one place every such event passes.
_EVENTS: dict[str, tuple[Counter, str | None]] = {
    "login.succeeded": (LOGINS, "success"),
    "login.failed": (LOGINS, "failure"),
    "login.throttled": (LOGINS, "throttled"),
    "recovery.requested": (RECOVERIES, "started"),
    "recovery.throttled": (RECOVERIES, "throttled"),
    "recovery.code_issued": (RECOVERIES, "code_issued"),
    "recovery.completed": (RECOVERIES, "completed"),
    "recovery.locked": (RECOVERIES, "locked"),
    "recovery.mailbox_capped": (RECOVERIES, "mailbox_capped"),
    "recovery.code_failed": (OTP_FAILURES, None),
}


def count_event(event: str) -> None:
    known = _EVENTS.get(event)
    if known is None:
        return
    counter, label = known
    (counter.labels(label) if label is not None else counter).inc()


def count_email(event: str) -> None:
    """``queued``, ``sent``, ``retry`` or ``failed``."""
    EMAILS.labels(event).inc()
