"""facebuild sheet: a contact sheet of every character's chosen image, on demand, drawn anew
(in pages past ``PAGE_CELLS`` characters, as a build's)."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from facebuild.commands.common import load
from facebuild.dist import read_cast_lock
from facebuild.errors import UsageError
from facebuild.sheet import SHEET_FILE, page_count, page_path, sheet_cells, write_sheet


def sheet(cast: Path, *, variant: str | None = None, output: Path | None = None) -> int:
    """Write the contact sheet of ``variant`` (default: each character's first) to
    ``output`` (default: dist/contact-sheet.png)."""
    the_cast = load(cast)
    variants = list(the_cast.spec.variants)
    if variant is not None and variant not in variants:
        near = difflib.get_close_matches(variant, variants, n=1)
        hint = f"did you mean '{near[0]}'?" if near else f"variants: {', '.join(variants)}"
        raise UsageError(f"--variant {variant}: no such variant in {the_cast.path} ({hint})")
    lock = read_cast_lock(the_cast)
    items = sheet_cells(the_cast, lock, variant)
    missing = [label for label, file, _ in items if not (the_cast.dist_dir / file).is_file()]
    if not items or len(missing) == len(items):
        which = f"variant '{variant}'" if variant else "the cast"
        raise UsageError(f"nothing of {which} is built yet: run 'facebuild build {the_cast.path}' first")
    if missing:
        print(f"warning: {len(missing)} image(s) missing from {the_cast.dist_dir} "
              f"(grey cells): {', '.join(missing[:5])}", file=sys.stderr)
    output = output or the_cast.dist_dir / SHEET_FILE
    write_sheet(items, output, the_cast.dist_dir, fresh=True)
    pages = page_count(len(items))
    more = f" ... {page_path(output, pages)}" if pages > 1 else ""
    print(f"wrote {output}{more}: {len(items)} characters" + (f" in {pages} pages" if more else ""))
    return 0
