"""facebuild gc: drop stored renders that no given cast's lock refers to (see
``facebuild.garbage``); it stops with one line while a build of one of them runs.
``--remote`` collects the shared S3 store instead, as a dry run unless ``--yes``.
``--json`` prints ``{"dry_run", "stores": [{"store", "dropped", "bytes"}]}``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from facebuild.cast import Cast, load_cast
from facebuild.errors import UsageError
from facebuild.garbage import gc, gc_remote


def run(args: argparse.Namespace) -> int:
    casts: list[Cast] = []
    for name in args.casts:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"{path}: no such cast file")
        casts.append(load_cast(path))
    if args.remote:
        delete = args.yes and not args.dry_run
        results = gc_remote(casts, store=args.store, delete=delete)
        dry_run = not delete
        if not args.json:
            for result in results:
                verb = "dropped" if delete else "would drop"
                hint = "" if delete else " (run again with --yes to delete them)"
                print(f"{result.store}: {verb} {result.dropped} render(s), "
                      f"{result.bytes / 1e6:.1f} MB{hint}")
    else:
        results = gc(casts, store=args.store, dry_run=args.dry_run)
        dry_run = args.dry_run
        if not args.json:
            verb = "would drop" if args.dry_run else "dropped"
            dropped, freed = sum(r.dropped for r in results), sum(r.bytes for r in results)
            print(f"{verb} {dropped} render(s), {freed / 1e6:.1f} MB")
    if args.json:
        print(json.dumps({"dry_run": dry_run, "stores": [asdict(r) for r in results]}, indent=2))
    return 0
