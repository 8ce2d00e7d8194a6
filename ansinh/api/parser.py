"""How the API reads its input: strict JSON bodies and bounded integers in query strings.

Every JSON body the API reads goes through ``loads`` (small bodies, through ninja's parser and
the ``payload`` part of a change request) or ``JsonObjectStream`` (a unit report, read as it
arrives): one JSON document, no duplicate keys (parameter pollution), at most ``MAX_DEPTH``
levels of objects and lists (deeper input made Python's json module raise ``RecursionError``:
a 500). Both use the standard library's decoder, so a value means the same whichever way it
came. Errors are ``JsonBodyError`` with a stable code; the adapters answer 400 (or 413).

Integer query parameters are typed ``Limit`` or ``Offset`` (or another ``Annotated`` int with
both bounds): ninja refuses anything outside them with 400 ``invalid_input`` before the view
runs, so no unbounded number reaches a query (an ``offset`` above 2⁶³ answered 500).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser
from pydantic import Field

MAX_DEPTH = 32  # levels of objects and lists; real bodies use at most 4
MAX_OFFSET = 10**9  # far beyond any list, far inside a 64-bit OFFSET
MAX_LIMIT = 200

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]


class JsonBodyError(ValueError):
    """The body is not acceptable JSON. ``code``: ``invalid_json``, ``too_deep`` (nesting over
    ``MAX_DEPTH``), or for a stream ``value_too_large`` (one value over its size limit) or
    ``too_many_members``."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.detail = code, detail

    @property
    def message(self) -> str:
        if self.code == "too_deep":
            return _(
                "The JSON is nested too deeply: at most %(depth)d levels of objects and lists."
            ) % {"depth": MAX_DEPTH}
        if self.code == "value_too_large":
            return _("One value in the JSON body is too large.")
        if self.code == "too_many_members":
            return _("The JSON object has too many members.")
        return _("The request body is not a valid JSON object.")


class DuplicateKey(ValueError):  # noqa: N818 - read as "a duplicate key" in tracebacks
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(f"duplicate key {key!r}")
        result[key] = value
    return result


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)
# A JSON string (escapes included), then anything but brackets: what nesting does not see.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Raise ``JsonBodyError("too_deep")`` when ``text`` opens more than ``limit`` objects and
    lists inside each other (brackets in strings do not count)."""
    if text.count("[") + text.count("{") <= limit:
        return  # the usual case, decided in C
    depth = 0
    for char in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        if char in "[{":
            depth += 1
            if depth > limit:
                raise JsonBodyError("too_deep")
        else:
            depth -= 1


def loads(data: bytes | str) -> Any:
    """One JSON document, strictly (see the module's docstring). Bytes are decoded as
    ``json.loads`` decodes them (UTF-8, -16 or -32)."""
    try:
        if isinstance(data, bytes):
            data = data.decode(json.detect_encoding(data), "surrogatepass")
        text = data
        check_depth(text)
        return _DECODER.decode(text)
    except JsonBodyError:
        raise
    except RecursionError:  # not reached below MAX_DEPTH; kept so it can never be a 500
        raise JsonBodyError("too_deep") from None
    except ValueError as exc:  # JSONDecodeError, DuplicateKey, UnicodeDecodeError
        raise JsonBodyError("invalid_json", str(exc)[:200]) from None


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = loads(request.body)
        if not isinstance(data, dict):
            raise JsonBodyError("invalid_json", "the body must be a JSON object")
        return data


# --- A JSON object read as it arrives ---------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")


class JsonObjectStream:
    """One JSON object read from UTF-8 byte chunks as they arrive, with one member (``key``)
    whose value is a list handed out element by element.

    ``head()`` reads up to that list and returns the members before it; ``items()`` then yields
    the list's elements, each decoded by the same strict decoder as ``loads``, and after the
    last one reads the rest of the object (``tail``) and checks that nothing follows it. Memory
    stays at one chunk plus one element: an element (or any other member's value) larger than
    ``max_value_chars`` is ``value_too_large``, and more than ``max_members`` members
    ``too_many_members``. When the list comes first, ``head()`` returns
    ``None`` at the list (``items()`` yields nothing yet); see ``unit_report_routes``.
    """

    def __init__(
        self,
        chunks: Iterable[bytes],
        *,
        key: str,
        max_value_chars: int = 1 << 16,
        max_members: int = 16,
    ) -> None:
        self._chunks = iter(chunks)
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="surrogatepass")
        self._buf = ""
        self._pos = 0
        self._eof = False
        self.key = key
        self.max_value_chars = max_value_chars
        self.max_members = max_members
        self.members: dict[str, Any] = {}
        self.tail: dict[str, Any] = {}
        self._state = "start"  # start → items → rest → done

    # -- reading ---------------------------------------------------------------------------------
    def _more(self, at_least: int = 1) -> bool:
        """Append at least ``at_least`` more characters (fewer at the end); False at the end."""
        added = 0
        parts = [self._buf[self._pos :]]
        while added < at_least and not self._eof:
            chunk = next(self._chunks, None)
            try:
                if chunk is None:
                    self._eof = True
                    text = self._decoder.decode(b"", final=True)
                else:
                    text = self._decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise JsonBodyError("invalid_json", str(exc)[:200]) from None
            parts.append(text)
            added += len(text)
        self._buf, self._pos = "".join(parts), 0
        return added > 0

    def _peek(self) -> str:
        """The next character that is not white space ("" at the end), not consumed."""
        while True:
            self._pos = _SPACE.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return ""

    def _expect(self, allowed: str) -> str:
        char = self._peek()
        if not char or char not in allowed:
            raise JsonBodyError("invalid_json", f"expected one of {allowed!r}")
        self._pos += 1
        return char

    def _value(self, levels: int = MAX_DEPTH - 1) -> Any:
        """Decode the value at the cursor, reading more until it is whole; it may nest
        ``levels`` deep (what is left of ``MAX_DEPTH`` where it stands)."""
        self._peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except RecursionError:
                raise JsonBodyError("too_deep") from None
            except DuplicateKey as exc:
                raise JsonBodyError("invalid_json", str(exc)[:200]) from None
            except ValueError:
                value, end = None, -1
            # A number that ends with the buffer may go on in the next chunk, and so may one
            # the decoder stopped short of ("1." or "1e" at the end decode as 1).
            if end != -1 and (self._eof or not self._number_may_go_on(value, end)):
                if end - self._pos > self.max_value_chars:
                    raise JsonBodyError("value_too_large")
                check_depth(self._buf[self._pos : end], levels)
                self._pos = end
                return value
            pending = len(self._buf) - self._pos
            if self._eof:
                raise JsonBodyError("invalid_json", "not a JSON value")
            if pending > self.max_value_chars:
                raise JsonBodyError("value_too_large")
            self._more(max(pending, 4096))

    def _number_may_go_on(self, value: Any, end: int) -> bool:
        """Is ``value`` a number whose text may continue past the buffer (everything from
        ``end`` to the buffer's end could still be part of it)?"""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        rest = self._buf[end:]
        return len(rest.lstrip("0123456789.eE+-")) == 0

    def _key(self) -> str:
        if self._peek() != '"':
            raise JsonBodyError("invalid_json", "expected a member name")
        key = self._value()
        self._expect(":")
        return str(key)

    def _member(self, into: dict[str, Any]) -> None:
        """Read ``"name": value`` into ``into`` (the list member is not read here)."""
        key = self._key()
        self._count_member()
        if key in self.members or key in self.tail or key == self.key:
            raise JsonBodyError("invalid_json", f"duplicate key {key!r}")
        into[key] = self._value()

    def _count_member(self) -> None:
        if len(self.members) + len(self.tail) >= self.max_members:
            raise JsonBodyError("too_many_members")

    # -- the object ------------------------------------------------------------------------------
    def head(self) -> dict[str, Any] | None:
        """The members before the list, the cursor left at the list's first element; ``None``
        when the object has no such list (then every member is in ``members``)."""
        self._expect("{")
        if self._peek() == "}":
            self._pos += 1
            self._end()
            return None
        while True:
            key = self._key()
            self._count_member()
            if key in self.members:
                raise JsonBodyError("invalid_json", f"duplicate key {key!r}")
            if key == self.key and self._peek() == "[":
                self._pos += 1
                self._state = "items"
                return self.members
            self.members[key] = self._value()
            if self._expect(",}") == "}":
                self._end()
                return None

    def items(self) -> Iterator[Any]:
        """The list's elements, then the rest of the object (into ``tail``), checked whole."""
        if self._state != "items":
            return
        if self._peek() == "]":
            self._pos += 1
        else:
            while True:
                yield self._value(MAX_DEPTH - 2)  # inside the object and the list
                if self._expect(",]") == "]":
                    break
        self._state = "rest"
        while self._expect(",}") == ",":
            self._member(self.tail)
        self._end()

    def _end(self) -> None:
        if self._peek() != "":
            raise JsonBodyError("invalid_json", "something follows the JSON object")
        self._state = "done"
