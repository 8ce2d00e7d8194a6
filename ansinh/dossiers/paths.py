"""Names of what a dossier or a correction case keeps: its public id (read over the phone)
and where its uploaded files go."""

from __future__ import annotations

import secrets
import uuid

from django.utils import timezone

# 32 unambiguous capitals and digits (no 0/O, 1/I): 8 of them are 40 random bits.
PUBLIC_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}


def stored_file_path(folder: str, content_type: str) -> str:
    """Random, never the uploaded name (nothing a client sends ends up in a path), under
    ``folder``/year/month, with the extension of the file's checked type."""
    extension = EXTENSIONS.get(content_type, "bin")
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


def public_id(prefix: str) -> str:
    """``<prefix>-<year>-<8 random characters>``: readable over the phone, never a database
    key."""
    suffix = "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(8))
    return f"{prefix}-{timezone.localdate().year}-{suffix}"
