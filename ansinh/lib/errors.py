"""What kind of refusal a domain outcome is, never which HTTP status (issue 11 §2).

Services and access helpers raise a ``DomainError`` of one kind: ``NotFound`` (unknown, malformed
or outside the actor's scope: all answered alike), ``Forbidden``, ``Conflict``, ``Gone``
(expired), ``Invalid`` or ``Throttled`` (with ``retry_after``). Each carries a stable snake_case
``code`` (API bodies, tests, logs), a translated ``message`` and per-field messages. Each adapter
maps the kinds to its own answers in one place: the API in ``ansinh/api/errors.py``, the portal
and the back office in ``ansinh/lib/middleware.py`` (a 404 page for ``NotFound`` exactly like an
unknown URL, a 403 page for ``Forbidden``; pages show the others as form errors first).

An app defines its refusals as subclasses with class-level ``code`` and ``message`` (``raise
StaffOnly``) or raises a kind directly with both (``raise Conflict("dossier_closed", _("…"))``).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    # str or a lazy translation (django-stubs' alias; nothing of it is needed at run time).
    from django.utils.functional import _StrOrPromise as Message


class Kind(enum.StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    GONE = "gone"
    INVALID = "invalid"
    THROTTLED = "throttled"


class DomainError(Exception):
    """A refusal by a domain rule; raise one of the kinds below, not this class."""

    kind: ClassVar[Kind]
    code: str = "refused"
    message: Message = _("You may not do this.")

    def __init__(
        self,
        code: str | None = None,
        message: Message | None = None,
        *,
        fields: dict[str, str] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if message is not None:
            self.message = message
        self.fields: dict[str, str] = fields or {}
        super().__init__(self.code)


class NotFound(DomainError):  # noqa: N818 - a kind of outcome, read as "not found"
    """Unknown, malformed, or outside the actor's scope: answered exactly like unknown."""

    kind = Kind.NOT_FOUND
    code = "not_found"
    message = _("Not found.")


class Forbidden(DomainError):  # noqa: N818
    """The actor may not do this (wrong door, missing role)."""

    kind = Kind.FORBIDDEN
    code = "forbidden"


class Conflict(DomainError):  # noqa: N818
    """The object's state does not allow this now (closed, already decided, taken)."""

    kind = Kind.CONFLICT
    code = "conflict"
    message = _("This cannot be done in the current state.")


class Gone(DomainError):  # noqa: N818
    """It existed but has expired or been used up: start again."""

    kind = Kind.GONE
    code = "gone"
    message = _("This has expired. Start again.")


class Invalid(DomainError):  # noqa: N818
    """Bad input: missing or malformed values; ``fields`` says which."""

    kind = Kind.INVALID
    code = "invalid_input"
    message = _("Some fields are missing or invalid.")


class Throttled(DomainError):  # noqa: N818
    """Too many requests; try again in ``retry_after`` seconds."""

    kind = Kind.THROTTLED
    code = "throttled"
    message = _("Too many requests. Try again later.")

    def __init__(
        self,
        code: str | None = None,
        message: Message | None = None,
        *,
        retry_after: int = 60,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code, message, fields=fields)
        self.retry_after = retry_after


__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "Gone",
    "Invalid",
    "Kind",
    "NotFound",
    "Throttled",
]
