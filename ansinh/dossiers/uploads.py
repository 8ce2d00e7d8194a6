"""Document uploads of dossiers: PNG, JPEG or PDF (a registration's photos: PNG or JPEG only),
recognised by their first bytes (never by the file name or the Content-Type the client
claims), at most ``DOSSIER_UPLOAD_MAX_BYTES`` each and ``DOSSIER_UPLOAD_MAX_FILES`` per
dossier.

The rules (``check_files``) are here; the web plumbing that enforces the limits while the
request streams in (``web.LimitedUploadHandler``, ``web.install_upload_limits``) is in
``web``, so this module never sees a request.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# (content type, magic prefix). JPEG: SOI marker followed by another marker's 0xFF.
SIGNATURES: tuple[tuple[str, bytes], ...] = (
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
    ("application/pdf", b"%PDF-"),
)
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})


class UploadRejected(Exception):  # noqa: N818 - a domain outcome
    """A file (or the set of files) breaks a rule; ``code`` is the stable API error code."""

    def __init__(self, code: str, message: str, *, name: str = "") -> None:
        super().__init__(code)
        self.code, self.message, self.name = code, message, name


def too_large(name: str = "") -> UploadRejected:
    mib = settings.DOSSIER_UPLOAD_MAX_BYTES / (1024 * 1024)
    return UploadRejected(
        "file_too_large",
        _("Each file may be at most %(mib)g MB.") % {"mib": mib},
        name=name,
    )


def too_many() -> UploadRejected:
    return UploadRejected(
        "too_many_files",
        _("Attach at most %(count)d files.") % {"count": settings.DOSSIER_UPLOAD_MAX_FILES},
    )


def detect_type(head: bytes) -> str | None:
    for content_type, magic in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def display_name(name: str) -> str:
    """A file name safe to show: no path, no control or format characters, at most 100."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(
        ch for ch in base if ch == " " or unicodedata.category(ch)[0] not in {"C", "Z"}
    )
    return cleaned.strip()[:100] or "document"


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    content_type: str
    size: int
    sha256: str
    name: str


def check_file(upload: UploadedFile, *, images_only: bool = False) -> CheckedFile:
    """Check one file by size and content (PNG, JPEG or, unless ``images_only``, PDF); raise
    ``UploadRejected`` (``file_too_large``, ``unsupported_file_type``)."""
    name = display_name(upload.name or "")
    if (upload.size or 0) > settings.DOSSIER_UPLOAD_MAX_BYTES:
        raise too_large(name)
    upload.seek(0)
    head = upload.read(16)
    content_type = detect_type(head)
    if images_only and content_type not in IMAGE_TYPES:
        raise UploadRejected(
            "unsupported_file_type",
            _("%(name)s is not a PNG or JPEG photo.") % {"name": name},
            name=name,
        )
    if content_type is None:
        raise UploadRejected(
            "unsupported_file_type",
            _("%(name)s is not a PNG, JPEG or PDF file.") % {"name": name},
            name=name,
        )
    upload.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    if size > settings.DOSSIER_UPLOAD_MAX_BYTES:
        raise too_large(name)
    upload.seek(0)
    return CheckedFile(upload, content_type, size, digest.hexdigest(), name)


def check_files(files: list[UploadedFile], *, required: bool) -> list[CheckedFile]:
    """Check every file by content and size; raise ``UploadRejected`` for the first bad one."""
    if len(files) > settings.DOSSIER_UPLOAD_MAX_FILES:
        raise too_many()
    if required and not files:
        raise UploadRejected(
            "documents_required",
            _("Attach at least one image or PDF of your documents (for example your CCCD card)."),
        )
    return [check_file(upload) for upload in files]
