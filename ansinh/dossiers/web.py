"""Web helpers shared by the portal's and the back office's dossier pages (and the API's
attachments and uploads), so neither adapter imports the other (docs/architecture.md).

Uploads: the limits are enforced while the request streams in (``LimitedUploadHandler``), so
an oversized file is refused without being stored whole; views that take uploads call
``install_upload_limits`` before anything reads ``request.POST`` (they are ``csrf_exempt``
outside and ``csrf_protect`` inside, as Django's docs prescribe). The files are then checked
by ``uploads.check_files``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from .errors import DossierError
from .models import Attachment
from .uploads import UploadRejected, too_large, too_many


def add_errors(form: Any, exc: DossierError) -> None:
    """Show a service's refusal on the form: per field where it names fields."""
    placed = False
    for field, message in exc.fields.items():
        if field in form.fields:
            form.add_error(field, message)
            placed = True
    if not placed or exc.code not in ("invalid_input",):
        form.add_error(None, exc.message)


def file_response(item: Attachment, *, preview: bool = False) -> HttpResponseBase:
    """A stored document, never rendered as a page of this site (sandboxed, no sniffing).

    PDFs are downloads, except for a ``preview``: shown inline, and only inside a frame of
    this site (the back office's dossier page shows it beside the decisions), still sandboxed:
    ``frame-ancestors 'self'`` and ``X-Frame-Options: SAMEORIGIN`` instead of no framing."""
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=item.content_type == "application/pdf" and not preview,
        filename=f"{item.public_id}.{item.file.name.rsplit('.', 1)[-1]}",
    )
    if preview:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'self'"
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams uploads to temporary files and stops at the first file over the size limit or
    the first file over the count limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.files = 0
        self.received = 0

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self.files += 1
        self.received = 0
        if self.files > settings.DOSSIER_UPLOAD_MAX_FILES:
            raise too_many()
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.DOSSIER_UPLOAD_MAX_BYTES:
            raise too_large(self.file_name or "")
        return super().receive_data_chunk(raw_data, start)


def max_request_bytes() -> int:
    """The largest multipart body worth reading: every file at its limit, plus the fields."""
    return (
        settings.DOSSIER_UPLOAD_MAX_FILES * settings.DOSSIER_UPLOAD_MAX_BYTES
        + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        + 64 * 1024  # multipart boundaries and part headers
    )


def install_upload_limits(request: HttpRequest) -> None:
    """Refuse a body announced as too large, and limit files while they stream in. Call before
    anything reads ``request.POST`` or ``request.FILES``."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_request_bytes():
        raise UploadRejected("body_too_large", _("The request body is too large."))
    request.upload_handlers = [LimitedUploadHandler(request)]
