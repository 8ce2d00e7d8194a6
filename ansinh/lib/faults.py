"""What counts as "the database is unavailable", shared by every adapter that answers 503."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

# A lost or refused connection. Integrity errors and the like are bugs or conflicts, never
# "try again".
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# What a 503 ``database_unavailable`` tells the client to wait before repeating the request.
RETRY_AFTER_SECONDS = 5
