"""Where uploaded files are kept (dossier attachments, a correction case's evidence)."""

from __future__ import annotations

import uuid

from django.utils import timezone

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}


def stored_file_path(folder: str, content_type: str) -> str:
    """Random, never the uploaded name (nothing a client sends ends up in a path), under
    ``folder``/year/month, with the extension of the file's checked type."""
    extension = EXTENSIONS.get(content_type, "bin")
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"
