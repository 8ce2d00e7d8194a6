"""The dossiers' refusals: the shared kinds of ``ansinh.lib.errors`` (no HTTP status; each
adapter maps the kind). ``DossierError`` names them all, for ``except`` clauses."""

from __future__ import annotations

from ansinh.lib.errors import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound, Throttled

DossierError = DomainError

__all__ = ["Conflict", "DossierError", "Forbidden", "Gone", "Invalid", "NotFound", "Throttled"]
