"""The manifest facebuild wrote last, with some of its rows replaced: the same bytes as the
manifest made whole from every lock entry, found without parsing, or even splitting, the
10,000 rows that did not change (orjson takes 30 ms to load them, more than writing them).

The manifest is sorted, indented JSON (see ``facebuild.manifest.manifest_bytes``): after
``HEAD``, one row per file, ``    "<file>": {`` to ``    }``, rows joined by ``,\\n``, then
``TAIL``. In that text a line that starts with exactly four spaces and a quote starts a row
(fields are indented by six, and JSON strings hold no newline), and ``"target": ...`` at
six spaces is a row's own target (a reference's is nested deeper). A row is found by its
target with one search, a new row's place by bisecting the sorted rows.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

HEAD = b'{\n  "files": {\n'
TAIL = b'\n  },\n  "version": 1\n}\n'
OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
_ROW = b'\n    "'
_ROW_END = b"\n    }"
_SEPARATOR = b",\n"

Edit = tuple[int, int, int, bytes]
"""Bytes ``start`` to ``stop`` of the rows (each with its separator, the last one's past the
end of the rows), replaced by a text; the third field orders edits at one place."""


def patched(previous: bytes, rows_before: int, drop: Iterable[str],
            rows: Mapping[str, Mapping[str, Any]], targets: int) -> bytes | None:
    """``previous`` (a manifest as ``manifest_bytes`` writes it, of ``rows_before`` rows)
    without the rows whose target is in ``drop``, with ``rows`` (file -> provenance) added in
    their places; None when unsure, and the caller makes the manifest whole. Unsure: the
    result would not have one row for each of the lock's ``targets`` (two targets of one
    file: which row wins is the whole manifest's business), a target has several rows, the
    text is not in that shape, or orjson refuses a value."""
    end = len(previous) - len(TAIL)
    if not (previous.startswith(HEAD) and previous.endswith(TAIL)) or end <= len(HEAD):
        return None
    edits: list[Edit] = []
    removed: set[int] = set()
    try:
        for target in drop:
            span = _row_of(previous, target, end)
            if span is not None:
                removed.add(span[0])
                edits.append((span[0], span[1], -1, b""))
        for order, file in enumerate(sorted(rows)):
            text = orjson.dumps({file: rows[file]}, option=OPTIONS)
            at = _place(previous, file, end)
            if at < end and _file_at(previous, at) == file and at not in removed:
                return None  # another target's file
            at = at if at < end else end + len(_SEPARATOR)  # after the last row and its separator
            edits.append((at, at, order, b"  " + text[2:-2].replace(b"\n", b"\n  ") + _SEPARATOR))
    except (ValueError, orjson.JSONEncodeError):  # not a row where one starts; a value refused
        return None
    if rows_before - len(removed) + len(rows) != targets or targets == 0:
        return None
    return _applied(previous, sorted(edits, key=lambda edit: edit[:3]), end)


def _applied(previous: bytes, edits: list[Edit], end: int) -> bytes | None:
    """The rows with the edits made, read as if the last row too were followed by a
    separator (up to ``end + 2``), that last separator then cut."""
    view = memoryview(previous)
    pieces: list[bytes | memoryview] = [HEAD]

    def keep(start: int, stop: int) -> None:
        pieces.append(view[start:min(stop, end)])
        if stop > end:
            pieces.append(_SEPARATOR[max(start, end) - end:stop - end])

    cursor = len(HEAD)
    for start, stop, _, text in edits:
        if start < cursor:
            return None  # two edits of one row: a target with two rows
        keep(cursor, start)
        pieces.append(text)
        cursor = stop
    keep(cursor, end + len(_SEPARATOR))
    while len(pieces) > 1 and not pieces[-1]:
        pieces.pop()
    pieces[-1] = pieces[-1][:-len(_SEPARATOR)]
    return b"".join([*pieces, TAIL])


def _row_of(text: bytes, target: str, end: int) -> tuple[int, int] | None:
    """Where the row of ``target`` starts and ends (after its separator), None when it has
    none; ``ValueError`` when it has several, ``JSONEncodeError`` when its name cannot be
    encoded as the manifest would."""
    needle = b'\n      "target": ' + orjson.dumps(target) + b",\n"
    found = text.find(needle, len(HEAD), end)
    if found < 0:
        return None
    if text.find(needle, found + 1, end) >= 0:
        raise ValueError("a target with several rows")
    start = text.rfind(_ROW, len(HEAD) - 1, found) + 1
    stop = text.find(_ROW_END, found, end + 1)
    if start <= 0 or stop < 0:
        raise ValueError("not a row")
    return start, stop + len(_ROW_END) + len(_SEPARATOR)


def _place(text: bytes, file: str, end: int) -> int:
    """Where the first row whose file sorts at or after ``file`` starts (``end`` if none)."""
    def at_or_after(offset: int) -> bool:
        start = _next_row(text, offset, end)
        return start >= end or _file_at(text, start) >= file
    return _next_row(text, bisect.bisect_left(range(len(HEAD), end), True, key=at_or_after) + len(HEAD),
                     end)


def _next_row(text: bytes, offset: int, end: int) -> int:
    found = text.find(_ROW, offset - 1, end)
    return end if found < 0 else found + 1


def _file_at(text: bytes, start: int) -> str:
    """The file a row is keyed by, from its first line ``    "<file>": {``."""
    line = text[start + 4:text.index(b"\n", start)]
    if not line.endswith(b": {"):
        raise ValueError("not a row")
    key = json.loads(line[:-3])
    if not isinstance(key, str):
        raise ValueError("not a row")
    return key
