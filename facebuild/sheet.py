"""Contact sheets: every character's chosen image in labelled grids, for chats and wikis.

``write_sheet`` of ``sheet_cells`` is what ``facebuild sheet`` writes, and a build writes
the same cells (``facebuild.sheetbuild``): dist/contact-sheet.png (and, past ``PAGE_CELLS``
characters, contact-sheet-2.png, ...) from the lock, each page redrawn only where its inputs
changed (see ``facebuild.sheetpages``).
Drawing is ``facebuild.sheetdraw``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from facebuild.cast import Cast
from facebuild.castfile import Character
from facebuild.lock import Lock
from facebuild.privacy import shown_text
from facebuild.sheetdraw import cell_size, contact_sheet
from facebuild.sheetpages import PAGE_CELLS, page_count, page_path, write_pages

__all__ = ["PAGE_CELLS", "SHEET_FILE", "cell_digests", "cell_size", "contact_sheet", "page_count",
           "page_path", "sheet_cells", "sheet_items", "write_sheet"]

SHEET_FILE = "contact-sheet.png"

Cell = tuple[str, str, str]
"""(label, image file relative to dist, its sha256)."""


def sheet_cells(cast: Cast, lock: Lock, variant: str | None = None, *,
                shown: Callable[[str], str] | None = None) -> list[Cell]:
    """(label, file in dist, sha256) of candidate 1 of ``variant`` (default: the cast's
    first variant a character has) for every character the lock has built, in cast order.
    The label is the name as the privacy guard lets it pass (``shown``: the guard's view of
    a text, default the cast's)."""
    shown = shown or shown_text(cast)
    cells = (character_cell(cast, lock, character, shown, variant) for character in cast.spec.characters)
    return [cell for cell in cells if cell is not None]


def character_cell(cast: Cast, lock: Lock, character: Character, shown: Callable[[str], str],
                   variant: str | None = None) -> Cell | None:
    """The cell of one character (see ``sheet_cells``), None when the lock has not built it."""
    own = cast.variants_of(character)
    chosen = variant if variant is not None else next((v for v in cast.spec.variants if v in own), None)
    entry = lock.get(f"{character.id}/{chosen}")
    return None if entry is None else (shown(character.name) or character.id, entry.file, entry.sha256)


def sheet_items(cast: Cast, lock: Lock, variant: str | None = None) -> list[tuple[str, Path, str]]:
    """``sheet_cells`` with each file as its path."""
    return [(label, cast.dist_dir / file, sha) for label, file, sha in sheet_cells(cast, lock, variant)]


def cell_digests(cells: Sequence[Cell]) -> list[str]:
    """What each cell is drawn from: its label, its file and the file's sha256."""
    return [hashlib.sha256(f"{label}\0{file}\0{sha}".encode("utf-8", "surrogatepass")).hexdigest()[:16]
            for label, file, sha in cells]


def write_sheet(cells: Sequence[Cell], first: Path, dist: Path, *,
                page_cells: int = PAGE_CELLS, fresh: bool = False) -> list[Path]:
    """The sheet of ``cells`` (files in ``dist``) in pages from ``first`` on; the pages
    written (those whose cells changed, or all, drawn anew, when ``fresh``)."""
    return write_pages([(label, file) for label, file, _ in cells], cell_digests(cells), first, dist,
                       page_cells=page_cells, fresh=fresh)
