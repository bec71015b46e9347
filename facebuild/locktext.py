"""The text of cast.lock and dist/manifest.json, one entry at a time.

``json.dumps(lock, indent=2, sort_keys=True)`` runs the pure-Python encoder (the C one
does not indent): 217 ms for 10,000 targets, at every build that changes one of them. The
file is a fixed frame around one block of text per target, and a block depends only on its
target's name and entry, so a lock keeps each block as read and encodes again only the
entries that were replaced. The bytes are those of the whole ``json.dumps``.

A block is found by its place in the frame: JSON escapes every newline inside a string, so
a line starting with four spaces and a quote begins a target. The lock is parsed whole when
read, as before; its first write reads the file again, parses each block on its own and
reuses a block only when it holds exactly the fields of the entry in memory. A file that is
not the frame around blocks (hand-formatted, merged by hand) has all its entries encoded
afresh; a block whose inner layout was changed by hand keeps that layout until its entry
changes (what it means is the same).
"""

from __future__ import annotations

import json
from typing import Any, Protocol, TypeVar


class Encodable(Protocol):
    """A lock entry (``facebuild.lock.LockEntry``), without importing the lock."""

    def to_dict(self) -> dict[str, Any]: ...


LockEntry = TypeVar("LockEntry", bound=Encodable)

_BETWEEN = ',\n    "'
"""Between two blocks: the comma ending one, and the next line's four spaces and quote."""


def _head(field: str) -> str:
    return '{\n  "' + field + '": {\n'


_TAIL = '\n  },\n  "version": 1\n}\n'


def entry_text(name: str, data: dict[str, Any]) -> str:
    """One block as ``json.dumps`` of the whole file writes it, indented for its place."""
    body = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    return "    " + json.dumps(name, ensure_ascii=False) + ": " + body.replace("\n", "\n    ")


def document_text(field: str, blocks: list[str]) -> str:
    """``{field: {...blocks}, "version": 1}`` as ``json.dumps(indent=2, sort_keys=True)``
    writes it, from its blocks in sorted order."""
    if not blocks:
        return '{\n  "' + field + '": {},\n  "version": 1\n}\n'
    return _head(field) + ",\n".join(blocks) + _TAIL


def lock_text(entries: dict[str, LockEntry], texts: dict[str, tuple[LockEntry, str]]) -> str:
    """The lock file's text; ``texts`` holds each block with the entry it encodes, and gets
    the blocks made here. An entry is reused only while it is that very (immutable) object."""
    blocks: list[str] = []
    for name in sorted(entries):
        entry = entries[name]
        known = texts.get(name)
        if known is None or known[0] is not entry:
            known = (entry, entry_text(name, entry.to_dict()))
            texts[name] = known
        blocks.append(known[1])
    return document_text("targets", blocks)


def known_texts(text: bytes, entries: dict[str, LockEntry]) -> dict[str, tuple[LockEntry, str]]:
    """The blocks of the lock file ``text`` that encode an entry of ``entries`` (the same
    fields and values), by target name; none when ``text`` is not the frame around blocks of
    one target each (hand-formatted, merged by hand, or any other text)."""
    found: dict[str, tuple[LockEntry, str]] = {}
    for name, fields, block in parsed_blocks(text, "targets"):
        entry = entries.get(name)
        if entry is not None and name not in found and fields == entry.to_dict():
            found[name] = (entry, block)
    return found


def parsed_blocks(data: bytes, field: str) -> list[tuple[str, Any, str]]:
    """Each block of ``data`` as (name, parsed value, text), when ``data`` is the frame of
    ``document_text(field, ...)`` around blocks of one name each; else none."""
    blocks = _blocks(data, field)
    if blocks is None:
        return []
    try:  # one parse for all blocks, each its own object: 2x faster than a call per block
        parsed = json.loads("[{" + "},\n{".join(blocks) + "}]")
    except (ValueError, RecursionError):
        return []
    if not isinstance(parsed, list) or len(parsed) != len(blocks):
        return []
    found: list[tuple[str, Any, str]] = []
    for block, value in zip(blocks, parsed, strict=True):
        if not isinstance(value, dict) or len(value) != 1:
            return []
        ((name, fields),) = value.items()
        found.append((name, fields, block))
    return found


def _blocks(data: bytes, field: str) -> list[str] | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = _head(field)
    if not (text.startswith(head) and text.endswith(_TAIL)) or len(text) < len(head) + len(_TAIL):
        return None
    blocks = text[len(head):-len(_TAIL)].split(_BETWEEN)
    blocks[1:] = ['    "' + block for block in blocks[1:]]
    return blocks
