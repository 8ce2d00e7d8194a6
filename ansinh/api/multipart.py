"""A ``multipart/form-data`` request of the API: one ``payload`` part holding the JSON request
(read by the strict parser and checked by a schema) and file parts, read under the dossier
upload limits (``dossiers.web.install_upload_limits``: a body announced as too large, or a file
over the limit while it streams in, is refused before it is stored).

Used by the change request (``POST /me/dossiers``) and the registration
(``POST /auth/registration``)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from ansinh.dossiers.web import install_upload_limits

from . import parser
from .errors import ApiError

S = TypeVar("S", bound=Schema)


def form_parts(request: HttpRequest) -> tuple[str, MultiValueDict[str, Any]]:
    """The raw ``payload`` part and the files, read under the upload limits; 400
    ``multipart_required``, ``invalid_input`` or ``body_too_large``."""
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise ApiError(
            400,
            "multipart_required",
            _("Send the request as multipart/form-data with a payload part and the documents."),
        )
    install_upload_limits(request)
    try:
        return request.POST.get("payload", ""), request.FILES
    except MultiPartParserError:
        raise ApiError(400, "invalid_input", _("Some fields are missing or invalid.")) from None
    except RequestDataTooBig:
        raise ApiError(400, "body_too_large", _("The request body is too large.")) from None


def payload_of(raw: str, schema: type[S]) -> S:
    """The ``payload`` part as ``schema``: not a JSON object → 400 ``invalid_input`` naming
    ``payload``; a schema error → 400 ``invalid_input`` naming the fields, like a JSON body."""
    try:
        data = parser.loads(raw)
        if not isinstance(data, dict):
            raise parser.JsonBodyError("invalid_json")
    except parser.JsonBodyError as exc:
        raise ApiError(
            400,
            "invalid_input",
            _("Some fields are missing or invalid."),
            fields={
                "payload": exc.message if exc.code == "too_deep" else _("Must be a JSON object.")
            },
        ) from None
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        raise NinjaValidationError(list(exc.errors())) from None  # type: ignore[arg-type]


__all__ = ["form_parts", "payload_of"]
