"""``/me/notifications`` (the in-app list, DESIGN §3.7) and ``/me/access-log`` (who looked at
my record: "Ai đã xem hồ sơ của tôi")."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from ansinh.dossiers.access import access_log_for_citizen
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.replicas import reads_from_replica
from ansinh.notifications.services import mark_read, notices_of, unread_count

from .auth import current_citizen, current_user, token_auth
from .dossier_schemas import AccessLogOut, MarkedOut, NoticeListOut, NoticeOut, NoticesReadIn
from .errors import ApiError
from .parser import Limit
from .schemas import ErrorOut

notices_router = Router(tags=["me"], auth=token_auth)
access_router = Router(tags=["me"], auth=token_auth)


# 400: a ``limit`` that is not an integer (found by the API fuzzer: it was undocumented).
@notices_router.get("", response={200: NoticeListOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut})
@reads_from_replica
def notifications(request: HttpRequest, limit: Limit = 50) -> NoticeListOut:
    """My notices, newest first, and how many are unread."""
    user = current_user(request)
    notices = notices_of(user)
    return NoticeListOut(
        unread=unread_count(user),
        items=[
            NoticeOut(
                id=str(n.public_id),
                kind=n.kind,
                title=n.title,
                body=n.body,
                link=n.link,
                created_at=n.created_at,
                read=n.read_at is not None,
            )
            for n in notices[:limit]
        ],
    )


@notices_router.post("/read", response={200: MarkedOut, 400: ErrorOut, 401: ErrorOut})
def notifications_read(request: HttpRequest, payload: NoticesReadIn) -> MarkedOut:
    """Mark my notices read: those listed in ``ids``, or all of them."""
    ids = payload.ids
    if ids is not None:
        import uuid

        try:
            ids = [str(uuid.UUID(i)) for i in ids]
        except ValueError:
            raise ApiError(
                400,
                "invalid_input",
                _("Some fields are missing or invalid."),
                fields={"ids": _("Invalid value.")},
            ) from None
    return MarkedOut(marked=mark_read(user=current_user(request), public_ids=ids))


@access_router.get("", response={200: AccessLogOut, 401: ErrorOut, 403: ErrorOut})
def access_log(request: HttpRequest) -> AccessLogOut:
    """Which BHXH staff member, unit or collection organisation read my record, and when."""
    actor = Actor.from_request(request, Channel.API, user=current_citizen(request))
    return AccessLogOut(items=access_log_for_citizen(actor))  # type: ignore[arg-type]
