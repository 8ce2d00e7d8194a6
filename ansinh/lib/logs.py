"""Logging helpers: the request id of every log line, and masking of personal data.

Log lines must never carry a password, code or token, and only masked personal data
(docs/security.md): code never logs those on purpose, and ``MaskPersonalData`` is the net
under it for what arrives anyway (an exception message quoting a value, a third-party logger).
"""

from __future__ import annotations

import contextvars
import logging
import re

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_TOKEN = re.compile(r"\b(ans[k]?_)[A-Za-z0-9_-]{8,}")
# 12-digit CCCD, 10-digit BHXH codes and phone numbers, +84 phone numbers; any run of 9+
# digits is masked but for its first and last two digits.
_DIGITS = re.compile(r"(?<![0-9])(\+?[0-9]{2})[0-9]{5,}([0-9]{2})(?![0-9])")


def mask(text: str) -> str:
    text = _TOKEN.sub(r"\1[redacted]", text)
    text = _EMAIL.sub(r"\1***@\2", text)
    return _DIGITS.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 4) + m.group(2), text)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class MaskPersonalData(logging.Filter):
    """Rewrite the message (with its arguments) and any exception text, masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw template
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True
