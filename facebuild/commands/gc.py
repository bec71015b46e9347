"""facebuild gc: drop stored renders that no given cast's lock refers to (see
``facebuild.garbage``); it stops with one line while a build of one of them runs.
``--remote`` collects the shared S3 store instead, as a dry run unless ``--yes``.
``--json`` prints ``{"dry_run", "stores": [{"store", "dropped", "bytes"}]}``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from facebuild import garbage
from facebuild.cast import Cast, load_cast
from facebuild.errors import UsageError


def gc(casts: Sequence[Path], *, store: str | None = None, dry_run: bool = False,
       remote: bool = False, yes: bool = False, as_json: bool = False) -> int:
    """Drop the renders of ``store`` (default: each cast's) that no lock of ``casts``
    refers to; with ``remote`` the shared S3 store, deleting only with ``yes``."""
    loaded: list[Cast] = []
    for path in casts:
        if not path.is_file():
            raise UsageError(f"{path}: no such cast file")
        loaded.append(load_cast(path))
    if remote:
        delete = yes and not dry_run
        results = garbage.gc_remote(loaded, store=store, delete=delete)
        dry_run = not delete
        if not as_json:
            for result in results:
                verb = "dropped" if delete else "would drop"
                hint = "" if delete else " (run again with --yes to delete them)"
                print(f"{result.store}: {verb} {result.dropped} render(s), "
                      f"{result.bytes / 1e6:.1f} MB{hint}")
    else:
        results = garbage.gc(loaded, store=store, dry_run=dry_run)
        if not as_json:
            verb = "would drop" if dry_run else "dropped"
            dropped, freed = sum(r.dropped for r in results), sum(r.bytes for r in results)
            print(f"{verb} {dropped} render(s), {freed / 1e6:.1f} MB")
    if as_json:
        print(json.dumps({"dry_run": dry_run, "stores": [asdict(r) for r in results]}, indent=2))
    return 0
