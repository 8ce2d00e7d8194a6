"""Web helpers shared by the portal's and the back office's dossier pages (and the API's
attachments), so neither adapter imports the other (docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers

from .errors import DossierError
from .models import Attachment


def add_errors(form: Any, exc: DossierError) -> None:
    """Show a service's refusal on the form: per field where it names fields."""
    placed = False
    for field, message in exc.fields.items():
        if field in form.fields:
            form.add_error(field, message)
            placed = True
    if not placed or exc.code not in ("invalid_input",):
        form.add_error(None, exc.message)


def file_response(item: Attachment) -> HttpResponseBase:
    """A stored document, never rendered as a page of this site (sandboxed, no sniffing)."""
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=item.content_type == "application/pdf",
        filename=f"{item.public_id}.{item.file.name.rsplit('.', 1)[-1]}",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response
