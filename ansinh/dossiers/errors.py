"""The outcomes of dossier services that adapters show as a 4xx."""

from __future__ import annotations


class DossierError(Exception):  # noqa: N818 - a domain outcome, not a bug
    """``status`` (HTTP), a stable snake_case ``code``, a translated ``message`` and per-field
    messages; the API turns it into its error format, the pages into form errors."""

    def __init__(
        self, status: int, code: str, message: str, *, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
