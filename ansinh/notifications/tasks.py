"""Email delivery by the task worker: retried with back-off, never delivered twice.

"Never twice" is enforced by a conditional UPDATE that claims a queued row before sending
(of two workers holding the same task, only one sends) and by the row's status afterwards.
A worker that dies between the SMTP server accepting a message and the row being marked sent
leaves it in ``sending``; ``requeue_stale`` puts it back after ``STALE_SENDING`` with the same
Message-ID, so a receiving server can drop the rare duplicate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import threading
import time
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import default_task_backend, task

from ansinh.lib.metrics import count_email

from .models import EmailStatus, OutboundEmail

logger = logging.getLogger(__name__)
STALE_SENDING = dt.timedelta(minutes=10)
ERASED = "[erased after delivery]"


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def schedule_delivery(email_id: int, *, at: dt.datetime | None = None) -> None:
    """Enqueue delivery; a backend without deferral (tests) leaves retries to ``requeue_stale``."""
    if at is not None:
        if not default_task_backend.supports_defer:
            return
        deliver_email.using(run_after=at).enqueue(email_id)
    else:
        deliver_email.enqueue(email_id)


@task()
def deliver_email(email_id: int) -> str:
    now = timezone.now()
    claimed = (
        OutboundEmail.objects.filter(pk=email_id, status=EmailStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    email = OutboundEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
        headers={"Message-ID": email.message_id},
    )
    message.attach_alternative(email.body_html, "text/html")
    try:
        send_over_kept_connection(message)
    except Exception as exc:  # SMTP, DNS, socket: all worth another try
        error = f"{type(exc).__name__}: {exc}"[:300]
        if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            OutboundEmail.objects.filter(pk=email_id).update(
                status=EmailStatus.FAILED, last_error=error, **_erased(email)
            )
            count_email("failed")
            logger.error(
                "email %s failed for good after %d attempts", email.public_id, email.attempts
            )
            return "failed"
        retry_at = timezone.now() + _retry_delay(email.attempts)
        OutboundEmail.objects.filter(pk=email_id).update(
            status=EmailStatus.QUEUED, last_error=error, next_attempt_at=retry_at
        )
        logger.warning(
            "email %s attempt %d failed; retry at %s", email.public_id, email.attempts, retry_at
        )
        schedule_delivery(email_id, at=retry_at)
        count_email("retry")
        return "retry"
    OutboundEmail.objects.filter(pk=email_id, status=EmailStatus.SENDING).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), last_error="", **_erased(email)
    )
    count_email("sent")
    return "sent"


_kept = threading.local()


def _close_kept_connection() -> None:
    connection = getattr(_kept, "connection", None)
    _kept.connection = None
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()


def send_over_kept_connection(message: EmailMultiAlternatives) -> None:
    """Send ``message`` over this thread's open session with the relay, opening one first if
    there is none, it sat idle longer than ``SMTP_KEEP_SECONDS`` or the email settings changed.
    Connecting, the greeting and EHLO cost a worker more than the message itself (OTP emails
    must be out within 2 s: bench/RESULTS.md). A kept session the relay has closed meanwhile
    (idle timeout) is replaced once, at once; any other failure closes it and is raised."""
    key = (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)
    for _ in range(2):
        connection: Any = getattr(_kept, "connection", None)
        fresh = (
            connection is None
            or _kept.key != key
            or time.monotonic() - _kept.used > settings.SMTP_KEEP_SECONDS
        )
        if fresh:
            _close_kept_connection()
            connection = get_connection(fail_silently=False)
            connection.open()
            _kept.connection, _kept.key = connection, key
        try:
            connection.send_messages([message])
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            _close_kept_connection()
            if fresh:
                raise
            continue  # the relay closed the idle session: once more on a new one
        except Exception:
            _close_kept_connection()
            raise
        _kept.used = time.monotonic()
        if settings.SMTP_KEEP_SECONDS <= 0:
            _close_kept_connection()
        return


def _erased(email: OutboundEmail) -> dict[str, str]:
    """For a sensitive email, the update that erases its bodies (code, temporary password)."""
    if not email.sensitive:
        return {}
    return {"body_text": ERASED, "body_html": ERASED}


def requeue_stale() -> int:
    """Re-enqueue emails whose task was lost: queued and due, or stuck in ``sending``."""
    now = timezone.now()
    stuck = list(
        OutboundEmail.objects.filter(
            status=EmailStatus.SENDING, claimed_at__lt=now - STALE_SENDING
        ).values_list("pk", flat=True)[:1000]
    )
    OutboundEmail.objects.filter(pk__in=stuck, status=EmailStatus.SENDING).update(
        status=EmailStatus.QUEUED, next_attempt_at=now
    )
    # A minute's grace for rows whose own task is about to run; stuck rows go at once.
    due = OutboundEmail.objects.filter(status=EmailStatus.QUEUED).filter(
        Q(pk__in=stuck)
        | Q(next_attempt_at__isnull=True, created_at__lt=now - dt.timedelta(minutes=1))
        | Q(next_attempt_at__lt=now - dt.timedelta(minutes=1))
    )
    ids = list(due.values_list("pk", flat=True)[:1000])
    for email_id in ids:
        deliver_email.enqueue(email_id)
    return len(ids)
