"""The text of cast.lock, one block of text per entry.

The file is a fixed frame around one block per target, and a block depends only on what it
encodes, so a lock keeps each block as read and encodes again only the entries that were
replaced (``facebuild.lock.Lock.to_text``): the bytes are those of encoding the whole.
A version 2 lock writes a mapping or list on one line when it fits in 80 characters (``"size": [256,
256]``), still one field a line, so a changed prompt is one changed line.

A block is found by its place in the frame: JSON escapes every newline inside a string, so
a line starting with four spaces and a quote begins a target. The first write of a lock
reads the file again, parses each block on its own and reuses a block only when it holds
exactly the fields of the entry in memory. A file that is not the frame around blocks
(hand-formatted, merged by hand) has all its entries encoded afresh; a block whose inner
layout was changed by hand keeps that layout until its entry changes (what it means is the
same).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any, BinaryIO

BETWEEN = ',\n    "'
"""Between two blocks: the comma ending one, and the next line's four spaces and quote."""
BLOCK_END = "\n    }"
"""How a target's block ends."""


def target_block(name: str, block: str) -> bool:
    """Whether a block cut from a lock by its lines is a target's: target names have a
    slash, field names do not (a field a hand edit moved to a target's indent)."""
    return "/" in name and block.endswith(BLOCK_END)


def frame_head(field: str) -> bytes:
    """The bytes before a document's first block (see ``document_text``)."""
    return _head(field).encode()


def frame_tail(version: int) -> bytes:
    """The bytes after a document's last block."""
    return _tail(version).encode()


def _head(field: str) -> str:
    return '{\n  "' + field + '": {\n'


def _tail(version: int) -> str:
    return '\n  },\n  "version": ' + str(version) + '\n}\n'


_CHUNK = 1 << 20
"""Bytes of a lock parsed at once when it is read in chunks (see ``chunks``)."""

_INLINE = 80
"""The widest mapping or list a version 2 lock writes on one line."""

_DEEPEST = 4 + 2 * 12
"""The indent below which every value is written on one line, however long: a hand-made
lock nested 900 deep is written by the C encoder, not by 900 frames of ``_value``."""


def row_text(name: str, data: dict[str, Any]) -> str:
    """One block of a version 2 lock: a field a line, a short mapping or list inline."""
    return "    " + json.dumps(name, ensure_ascii=False) + ": " + _expanded(data, "    ")


def _value(value: Any, indent: str) -> str:
    if isinstance(value, dict | list) and value:
        line = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
        return line if len(line) <= _INLINE or len(indent) > _DEEPEST else _expanded(value, indent)
    return json.dumps(value, ensure_ascii=False)


def _expanded(value: dict[str, Any] | list[Any], indent: str) -> str:
    inner = indent + "  "
    if isinstance(value, dict):
        items = [json.dumps(key, ensure_ascii=False) + ": " + _value(value[key], inner)
                 for key in sorted(value)]
        opening, closing = "{", "}"
    else:
        items = [_value(item, inner) for item in value]
        opening, closing = "[", "]"
    if not items:
        return opening + closing
    return opening + "\n" + inner + (",\n" + inner).join(items) + "\n" + indent + closing


def document_text(field: str, blocks: list[str], version: int = 1) -> str:
    """``{field: {...blocks}, "version": version}`` as ``json.dumps(indent=2, sort_keys=True)``
    writes it, from its blocks in sorted order."""
    if not blocks:
        return '{\n  "' + field + '": {},\n  "version": ' + str(version) + '\n}\n'
    return _head(field) + ",\n".join(blocks) + _tail(version)


def file_blocks(handle: BinaryIO, field: str, version: int) -> Iterator[tuple[str, Any, str]]:
    """Each block of the file open in ``handle``, in the frame of ``version`` (see
    ``frame_version``), as (name, parsed value, text), read and parsed a chunk at a time
    (see ``chunks``); it stops at a chunk that is not blocks of one name each."""
    try:
        for inner in chunks(handle, field, version):
            found = _named(_split(inner.decode("utf-8")))
            if found is None:
                return
            yield from found
    except ValueError:  # also a file that is not UTF-8, or shorter than it was
        return


def block_names(handle: BinaryIO, field: str, version: int) -> Iterator[tuple[str, str]]:
    """Each block of the file open in ``handle`` as (name, text), like ``file_blocks`` but
    without parsing what a block holds: only the name at its head is read."""
    try:
        for inner in chunks(handle, field, version):
            for block in _split(inner.decode("utf-8")):
                name = _name(block)
                if name is None:
                    return
                yield name, block
    except ValueError:  # also a file that is not UTF-8, or shorter than it was
        return


def _name(block: str) -> str | None:
    """The target name at the head of a block, or None when it has none."""
    end = block.find('": ', 4)
    if not block.startswith('    "') or end < 0:
        return None
    quoted = block[4:end + 1]
    if "\\" not in quoted and quoted.isprintable():  # nothing escaped: 5x faster than parsing
        return quoted[1:-1] if '"' not in quoted[1:-1] else None
    try:
        name = json.loads(quoted)
    except (ValueError, RecursionError):
        return None
    return name if isinstance(name, str) else None


FIELD = "\n      "
"""Before each field of a target's block: a newline and six spaces (nothing deeper). JSON
escapes every newline in a string, so a line that starts with six spaces and a quoted name
is a field of the block."""


def _named(blocks: list[str]) -> list[tuple[str, Any, str]] | None:
    try:  # one parse for all blocks, each its own object: 2x faster than a call per block
        parsed = json.loads("[{" + "},\n{".join(blocks) + "}]")
    except (ValueError, RecursionError):
        return None
    if not isinstance(parsed, list) or len(parsed) != len(blocks):
        return None
    found: list[tuple[str, Any, str]] = []
    for block, value in zip(blocks, parsed, strict=True):
        if not isinstance(value, dict) or len(value) != 1:
            return None
        ((name, fields),) = value.items()
        found.append((name, fields, block))
    return found


def _split(inner: str) -> list[str]:
    """The blocks of the text between a document's head and tail."""
    blocks = inner.split(BETWEEN)
    blocks[1:] = ['    "' + block for block in blocks[1:]]
    return blocks


def frame_version(handle: BinaryIO, field: str, versions: range) -> int | None:
    """The version of ``versions`` whose frame of ``document_text(field, ...)`` the file open
    in ``handle`` is in, with at least one block; None when it is in none (hand-formatted,
    or empty). Only its first and last bytes are read."""
    head = _head(field).encode()
    size = handle.seek(0, os.SEEK_END)
    handle.seek(0)
    if handle.read(len(head)) != head:
        return None
    for version in versions:
        tail = _tail(version).encode()
        if size > len(head) + len(tail):
            handle.seek(size - len(tail))
            if handle.read(len(tail)) == tail:
                return version
    return None


def chunks(handle: BinaryIO, field: str, version: int) -> Iterator[bytes]:
    """The blocks of the file open in ``handle``, in the frame of ``version`` (see
    ``frame_version``), about a megabyte of them at a time, as the text of the members of a
    JSON object (``b"{" + chunk + b"}"`` parses), read a megabyte at a time:
    a lock of 100,000 targets is never in memory whole, nor parsed whole (its parse is twice
    the entries it holds). A chunk ends where a block does, at a line with four spaces and a
    quote after a comma; a chunk that a hand edit cut elsewhere does not parse alone, and
    the caller then parses the whole file. ``ValueError`` if the file is shorter than it was."""
    start = len(_head(field))
    left = handle.seek(0, os.SEEK_END) - len(_tail(version)) - start
    handle.seek(start)
    separator = BETWEEN.encode()
    pending = bytearray()  # grown in place: a block of many megabytes is not copied again and again
    while left > 0:
        piece = handle.read(min(_CHUNK, left))
        if not piece:
            raise ValueError("the file is shorter than it was")
        left -= len(piece)
        since = max(0, len(pending) - len(separator))  # what is before holds no separator
        pending += piece
        cut = pending.rfind(separator, since) if left > 0 else len(pending)
        if cut >= 0:  # else one block longer than a chunk: read on
            yield bytes(pending[:cut])
            del pending[:cut + 2]  # the next block starts after the comma and the newline
