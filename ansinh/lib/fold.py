"""Diacritics-insensitive matching of Vietnamese names: "nguyen van an" finds "Nguyễn Văn An".

:func:`fold` is the one rule (decompose, drop the marks, đ → d, lower case, single spaces);
:class:`Folded` applies it in the database: ``LOWER(UNACCENT(…))`` on PostgreSQL (the
``unaccent`` extension, created by ``dossiers`` migration 0006; its rules fold the same
letters, đ included), and the same Python function registered on each SQLite connection
(:func:`register_sqlite`, connected in ``dossiers.apps``)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import CharField, Func

SQLITE_FUNCTION = "ansinh_fold"
# Letters that are not a base letter plus a combining mark, so NFD leaves them alone.
_LETTERS = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text: str | None) -> str | None:
    """``text`` without diacritics, in lower case, with single spaces (``None`` stays)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFD", str(text).translate(_LETTERS))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(bare.lower().split())


class Folded(Func):
    """A text column folded as :func:`fold` folds (the database does it, so a lookup such as
    ``__contains`` stays a query)."""

    function = SQLITE_FUNCTION
    arity = 1
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="LOWER(UNACCENT(%(expressions)s))")


def register_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: :func:`fold` as an SQL function on SQLite."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)
