"""A contact sheet in pages of at most ``PAGE_CELLS`` cells, each page redrawn only where
its cells changed, and not touched at all when none did.

The first page is the file asked for (``contact-sheet.png``), so a cast that fits one page
keeps the sheet it always had; the others are ``contact-sheet-2.png``, ``-3``, ... One
edited character of 2,500 re-encodes one page of 60 cells (30 ms) instead of a
16-megapixel image (1.1 s). Each page keeps its layout and a digest per cell in a PNG text
chunk, read without decoding a pixel; the pixels of the page are decoded and reused only
when the layout is the same and the page has the size that layout gives. A page is any
file in dist: whatever it holds costs at most a redraw.
"""

from __future__ import annotations

import json
import math
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from PIL import Image

from facebuild.atomic import write_atomic
from facebuild.sheetdraw import UNREADABLE, bounded, cell_size, columns_for, contact_sheet, sheet_size

PAGE_CELLS = 60
"""Cells on one page, in 10 columns and 6 rows: 60 cells of 64 pixels are 0.4 megapixels,
about 30 ms to decode, redraw and encode (100 cells: 50 ms)."""

_KEY = "facebuild:sheet"


class Layout(NamedTuple):
    """What a page is drawn from, kept in its text chunk: the cell side, the columns, and a
    digest per cell."""

    cell: int
    columns: int
    cells: list[str]


def page_count(cells: int, page_cells: int = PAGE_CELLS) -> int:
    return max(1, math.ceil(cells / page_cells))


def page_path(first: Path, number: int) -> Path:
    """Page ``number`` (from 1) of the sheet whose first page is ``first``."""
    return first if number == 1 else first.with_name(f"{first.stem}-{number}{first.suffix}")


def write_pages(items: Sequence[tuple[str, str]], digests: Sequence[str], first: Path, base: Path, *,
                page_cells: int = PAGE_CELLS, fresh: bool = False,
                known: Mapping[Path, Layout] | None = None) -> list[Path]:
    """Write the pages of the sheet of ``items`` (label, image file in ``base``) whose cells
    changed (every page, drawn anew, when ``fresh``), and remove the pages past the last one
    that an earlier, longer sheet left; the pages written. ``digests``: one per item, saying
    everything its cell is drawn from; ``known``: the layout of pages known without reading
    them (the items of a page are only asked for when it is drawn)."""
    if page_cells < 1:
        raise ValueError(f"page_cells must be at least 1, not {page_cells}")
    cell = cell_size(len(items))
    columns = columns_for(min(len(items), page_cells))
    written: list[Path] = []
    for number, start in enumerate(range(0, len(items), page_cells), 1):
        path = page_path(first, number)
        layout = Layout(cell, columns, list(digests[start:start + page_cells]))
        before = None if fresh else (known or {}).get(path) or _stored_layout(path)
        if before == layout:
            continue
        count = len(layout.cells)
        reuse, redraw = None, None
        same_layout = before is not None and (before.cell, before.columns) == (cell, columns)
        if before is not None and same_layout and len(before.cells) == count:
            reuse = _pixels(path, sheet_size(count, cell, columns))
            redraw = [i for i, (old, new) in enumerate(zip(before.cells, layout.cells, strict=True))
                      if old != new] if reuse is not None else None
        # only the cells drawn are looked up, and their paths made (10,000 paths cost 20 ms)
        drawn: list[tuple[str, Path]] = [("", base)] * count
        for index in range(count) if redraw is None else redraw:
            label, file = items[start + index]
            drawn[index] = (label, base / file)
        write_atomic(path, contact_sheet(drawn, cell=cell, columns=columns, reuse=reuse, redraw=redraw,
                                         metadata={_KEY: json.dumps(layout._asdict())}))
        written.append(path)
    _remove_pages_after(first, page_count(len(items), page_cells))
    return written


def _remove_pages_after(first: Path, last: int) -> None:
    """Pages an earlier sheet of more cells left behind: only files that say they are a
    page (the text chunk), never through a link."""
    number = last + 1
    while _stored_layout(page := page_path(first, number)) is not None:
        page.unlink()
        number += 1


def _stored_layout(path: Path) -> Layout | None:
    """The layout and cell digests a page holds, or None when ``path`` is not a regular
    file holding them (missing, a link, another image, a page of an older facebuild)."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        with bounded(), Image.open(path) as image:  # reads the chunks, decodes no pixel
            stored = json.loads(str(image.info[_KEY]))
    except (*UNREADABLE, RecursionError):
        return None
    if not isinstance(stored, dict) or set(stored) != set(Layout._fields):
        return None
    cell, columns, cells = stored["cell"], stored["columns"], stored["cells"]
    if not (type(cell) is int and type(columns) is int and isinstance(cells, list)
            and all(isinstance(c, str) for c in cells)):
        return None
    return Layout(cell, columns, cells)


def _pixels(path: Path, size: tuple[int, int]) -> Image.Image | None:
    """The page's pixels when it has ``size`` (checked before decoding: a page is never
    bigger than its layout says); else None."""
    try:
        with bounded(), Image.open(path) as image:
            return image.convert("RGB") if image.size == size else None
    except UNREADABLE:
        return None
