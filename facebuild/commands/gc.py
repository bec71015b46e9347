"""facebuild gc: drop stored renders that no given cast's lock refers to."""

from __future__ import annotations

import argparse
from pathlib import Path

from facebuild.cast import load_cast
from facebuild.errors import UsageError
from facebuild.lock import read_lock
from facebuild.store import Store


def run(args: argparse.Namespace) -> int:
    keep: dict[Path, set[str]] = {}
    for name in args.casts:
        path = Path(name)
        if not path.exists():
            raise UsageError(f"{path}: no such cast file")
        cast = load_cast(path)
        lock = read_lock(cast.lock_path, cast.state_dir / "journal.jsonl")
        keys = keep.setdefault(cast.store_dir.resolve(), set())
        keys.update(entry["render_key"] for entry in lock.entries.values())
    freed = dropped = 0
    for root, keys in keep.items():
        store = Store(root)
        for key in list(store.keys()):
            if key not in keys:
                dropped += 1
                freed += store.path(key).stat().st_size if args.dry_run else store.remove(key)
    verb = "would drop" if args.dry_run else "dropped"
    print(f"{verb} {dropped} render(s), {freed / 1e6:.1f} MB")
    return 0
