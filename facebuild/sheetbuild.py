"""The contact sheet a build writes (``facebuild.gallery.write_site``), in pages redrawn only
where their cells changed (see ``facebuild.sheetpages``).

A build of some characters (``scope``) does not look at the other characters' lock
entries: .facebuild/sheet.json keeps the digest of each character's cell and the identity
of each page written, so the cells of the others, and the layout of every page still the
file facebuild wrote, are known without reading them; the label and file of such a cell
are looked up only if its page must be drawn whole. The record is taken only when made by
this code from the very lock file the build read (see ``facebuild.siterecord``); it holds
no label and no path, so whatever it says reaches no image.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, NamedTuple, overload

from facebuild import siterecord
from facebuild.cast import Cast
from facebuild.lock import Lock
from facebuild.sheet import SHEET_FILE, Cell, cell_digests, character_cell
from facebuild.sheetdraw import cell_size, columns_for
from facebuild.sheetpages import Layout, page_path, write_pages

RECORD = "sheet.json"
"""In the state folder: the cell digest of each character on the sheet facebuild wrote
last, the identity of each of its pages, and of the lock file and code it was made from."""
_RECORD_MAX = 64 << 20
_HEX = frozenset("0123456789abcdef")
_FORMAT = siterecord.code_digest(__file__, cell_digests.__code__.co_filename)


class BuildSheet(NamedTuple):
    """The cells of a build's sheet in cast order: by character, their digests, what they
    are drawn from (made on demand), and the pages known without reading them."""

    characters: list[str]
    digests: list[str]
    items: Sequence[tuple[str, str]]
    known: dict[Path, Layout]


def build_sheet(cast: Cast, lock: Lock, shown: Callable[[str], str], read: list[int] | None, *,
                page_cells: int, scope: Collection[str] | None = None,
                altered: Collection[str] = ()) -> BuildSheet:
    """The sheet of candidate 1 of each character's first variant. With ``scope`` (the
    characters a build planned: any other is as it was), the cells of the others whose
    targets are not in ``altered`` are taken from the record of the last sheet, when it
    was made from the lock file ``read`` (the one ``lock`` was read from)."""
    record = _record(cast, read, page_cells) if scope is not None and read is not None else None
    remade = set(scope or ()) | {name.partition("/")[0] for name in altered}
    made: dict[str, Cell] = {}
    digests: dict[str, str] = {}
    characters = {character.id: character for character in cast.spec.characters}
    for character_id, character in characters.items():
        if record is not None and character_id not in remade:
            digest = record.cells.get(character_id)
            if digest is not None:
                digests[character_id] = digest
            continue
        cell = character_cell(cast, lock, character, shown)
        if cell is not None:
            made[character_id] = cell
            digests[character_id] = cell_digests([cell])[0]
    order = list(digests)
    items = _Items(order, made,
                   lambda character_id: character_cell(cast, lock, characters[character_id], shown))
    known = record.pages if record is not None else {}
    return BuildSheet(order, list(digests.values()), items, known)


def write_build_sheet(cast: Cast, sheet: BuildSheet, made_from: list[int] | None, *,
                      page_cells: int) -> None:
    """Write the pages whose cells changed, and record them for the next build as made from
    the lock file ``made_from`` (None: unknown, the record is removed)."""
    first = cast.dist_dir / SHEET_FILE
    if sheet.characters:
        write_pages(sheet.items, sheet.digests, first, cast.dist_dir, page_cells=page_cells,
                    known=sheet.known)
    pages = [siterecord.identity(page_path(first, number))
             for number in range(1, -(-len(sheet.characters) // page_cells) + 1)]
    if made_from is None or any(page is None for page in pages):
        siterecord.forget(cast.state_dir / RECORD)
        return
    siterecord.write_record(cast.state_dir / RECORD, {
        "format": _FORMAT, "lock": made_from, "page_cells": page_cells, "pages": pages,
        "cells": dict(zip(sheet.characters, sheet.digests, strict=True))})


class _Record(NamedTuple):
    cells: dict[str, str]
    pages: dict[Path, Layout]


def _record(cast: Cast, read: list[int], page_cells: int) -> _Record | None:
    """What the record says, when it is of this code and of the lock file ``read``; every
    page whose identity is the one recorded has the layout the record gives it."""
    found: dict[str, Any] | None = siterecord.read_record(cast.state_dir / RECORD, _RECORD_MAX)
    if (found is None or found.get("format") != _FORMAT or found.get("lock") != read
            or found.get("page_cells") != page_cells):
        return None
    cells, pages = found.get("cells"), found.get("pages")
    if not (isinstance(cells, dict) and isinstance(pages, list)
            and len(pages) == -(-len(cells) // page_cells)):
        return None
    digests = list(cells.values())
    if not all(isinstance(digest, str) and len(digest) == 16 for digest in digests) or not set(
            "".join(digests)) <= _HEX:
        return None
    cell, columns = cell_size(len(digests)), columns_for(min(len(digests), page_cells))
    first = cast.dist_dir / SHEET_FILE
    known: dict[Path, Layout] = {}
    for number, recorded in enumerate(pages, 1):
        path = page_path(first, number)
        if siterecord.is_identity(recorded) and siterecord.identity(path) == recorded:
            start = (number - 1) * page_cells
            known[path] = Layout(cell, columns, digests[start:start + page_cells])
    return _Record(cells, known)


class _Items(Sequence[tuple[str, str]]):
    """(label, file) of each cell, those of cells not made yet made when asked for (only a
    page drawn whole asks for all of its cells)."""

    def __init__(self, characters: list[str], made: dict[str, Cell],
                 make: Callable[[str], Cell | None]) -> None:
        self._characters, self._made, self._make = characters, made, make

    def __len__(self) -> int:
        return len(self._characters)

    @overload
    def __getitem__(self, index: int) -> tuple[str, str]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, str]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, str] | Sequence[tuple[str, str]]:
        if isinstance(index, slice):
            return [self._item(character) for character in self._characters[index]]
        return self._item(self._characters[index])

    def _item(self, character: str) -> tuple[str, str]:
        cell = self._made.get(character) or self._make(character)
        return (cell[0], cell[1]) if cell is not None else (character, "")
