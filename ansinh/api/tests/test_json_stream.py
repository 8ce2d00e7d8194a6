"""``parser.JsonObjectStream`` reads what ``json.loads`` reads, however the bytes are cut, and
pulls chunks only as it needs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansinh.api.parser import JsonBodyError, JsonObjectStream, loads

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
# Floats through repr only (json.dumps writes them exactly); big integers and astral
# characters are written as ``json.dumps`` writes them (surrogate pairs with ensure_ascii).
values = st.recursive(
    scalars | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
members = st.dictionaries(st.text(max_size=8).filter(lambda k: k != "lines"), values, max_size=4)


def _cut(data: bytes, sizes: list[int]) -> Iterator[bytes]:
    start, i = 0, 0
    while start < len(data):
        size = sizes[i % len(sizes)] if sizes else len(data)
        yield data[start : start + size]
        start += size
        i += 1


def _read(data: bytes, sizes: list[int]) -> dict[str, Any]:
    stream = JsonObjectStream(_cut(data, sizes), key="lines")
    head = stream.head()
    result = dict(stream.members)
    if head is not None:
        result["lines"] = list(stream.items())
        result.update(stream.tail)
    return result


@settings(max_examples=300, deadline=None)
@given(
    before=members,
    lines=st.lists(values, max_size=8),
    after=members,
    ensure_ascii=st.booleans(),
    indent=st.sampled_from([None, 0, 2]),
    sizes=st.lists(st.integers(1, 40), max_size=5),
)
def test_a_stream_reads_what_json_loads_reads_however_the_bytes_are_cut(
    before, lines, after, ensure_ascii, indent, sizes
):
    document = {**before, "lines": lines, **{k: v for k, v in after.items() if k not in before}}
    # The list keeps its place among the members: "before" members, lines, then the others.
    data = json.dumps(document, ensure_ascii=ensure_ascii, indent=indent).encode()

    assert _read(data, sizes) == json.loads(data) == loads(data)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2, "lines": []}',
        b'{"lines": [{"x": 1, "x": 2}]}',
        b'{"lines": [], "b": 1, "b": 2}',
        b'{"lines": [1,]}',
        b'{"lines": [1] ',
        b'{"lines": [1]} x',
        b'{"lines": [1]}{}',
        b'{"a" 1}',
        b"{1: 2}",
        b'{"lines": [tru]}',
        b'{"lines": [1e]}',
        b'{"lines": ["\xff"]}',
        b"",
    ],
)
def test_what_json_loads_refuses_the_stream_refuses(raw):
    with pytest.raises(JsonBodyError):
        _read(raw, [3])
    with pytest.raises(JsonBodyError):
        loads(raw)


def test_the_stream_reads_an_object_only():
    with pytest.raises(JsonBodyError):
        _read(b"[]", [])


def test_a_number_cut_by_a_chunk_boundary_is_read_whole():
    assert _read(b'{"lines": [12345, 6], "n": 789}', [13, 1, 1, 100]) == {
        "lines": [12345, 6],
        "n": 789,
    }


def test_the_stream_pulls_chunks_only_as_lines_are_taken():
    pulled: list[int] = []
    body = json.dumps({"reference": "R", "lines": [{"n": i} for i in range(10_000)]}).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1024):
            pulled.append(start)
            yield body[start : start + 1024]

    stream = JsonObjectStream(chunks(), key="lines")
    assert stream.head() == {"reference": "R"}
    items = stream.items()
    first = [next(items) for _ in range(10)]

    assert first == [{"n": i} for i in range(10)]
    assert len(pulled) <= 2 < len(body) // 1024


@pytest.mark.parametrize("sizes", [[5, 2], [6, 1], [7, 3]])
def test_a_number_cut_after_its_point_or_exponent_is_read_whole(sizes):
    data = b'{"": 1.5, "x": 2e3, "lines": [[1], -0.25]}'

    assert _read(data, sizes) == json.loads(data)
