"""facebuild sheet: a contact sheet of every character's chosen image, on demand, drawn anew
(in pages past ``PAGE_CELLS`` characters, as a build's)."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from facebuild.commands.common import load
from facebuild.dist import read_cast_lock
from facebuild.errors import UsageError
from facebuild.sheet import SHEET_FILE, page_count, page_path, sheet_cells, write_sheet


def run(args: argparse.Namespace) -> int:
    cast = load(args)
    variants = list(cast.spec.variants)
    if args.variant is not None and args.variant not in variants:
        near = difflib.get_close_matches(args.variant, variants, n=1)
        hint = f"did you mean '{near[0]}'?" if near else f"variants: {', '.join(variants)}"
        raise UsageError(f"--variant {args.variant}: no such variant in {cast.path} ({hint})")
    lock = read_cast_lock(cast)
    items = sheet_cells(cast, lock, args.variant)
    missing = [label for label, file, _ in items if not (cast.dist_dir / file).is_file()]
    if not items or len(missing) == len(items):
        which = f"variant '{args.variant}'" if args.variant else "the cast"
        raise UsageError(f"nothing of {which} is built yet: run 'facebuild build {cast.path}' first")
    if missing:
        print(f"warning: {len(missing)} image(s) missing from {cast.dist_dir} "
              f"(grey cells): {', '.join(missing[:5])}", file=sys.stderr)
    output = Path(args.output) if args.output else cast.dist_dir / SHEET_FILE
    write_sheet(items, output, cast.dist_dir, fresh=True)
    pages = page_count(len(items))
    more = f" ... {page_path(output, pages)}" if pages > 1 else ""
    print(f"wrote {output}{more}: {len(items)} characters" + (f" in {pages} pages" if more else ""))
    return 0
