"""facebuild sheet: a contact sheet of every character's chosen image, on demand."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from facebuild.atomic import write_atomic
from facebuild.commands.common import load
from facebuild.dist import read_cast_lock
from facebuild.errors import UsageError
from facebuild.sheet import SHEET_FILE, contact_sheet, sheet_items


def run(args: argparse.Namespace) -> int:
    cast = load(args)
    variants = list(cast.spec.variants)
    if args.variant is not None and args.variant not in variants:
        near = difflib.get_close_matches(args.variant, variants, n=1)
        hint = f"did you mean '{near[0]}'?" if near else f"variants: {', '.join(variants)}"
        raise UsageError(f"--variant {args.variant}: no such variant in {cast.path} ({hint})")
    lock = read_cast_lock(cast)
    items = sheet_items(cast, lock, args.variant)
    missing = [label for label, file, _ in items if not file.is_file()]
    if not items or len(missing) == len(items):
        which = f"variant '{args.variant}'" if args.variant else "the cast"
        raise UsageError(f"nothing of {which} is built yet: run 'facebuild build {cast.path}' first")
    if missing:
        print(f"warning: {len(missing)} image(s) missing from {cast.dist_dir} "
              f"(grey cells): {', '.join(missing[:5])}", file=sys.stderr)
    output = Path(args.output) if args.output else cast.dist_dir / SHEET_FILE
    write_atomic(output, contact_sheet([(label, file) for label, file, _ in items]))
    print(f"wrote {output}: {len(items)} characters")
    return 0
