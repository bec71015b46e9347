"""facebuild gc: drop stored renders that no given cast's lock refers to.

gc holds the build lock of every cast it is given, as ``build`` does, so it never runs
during a build of one of them (whose new lock may refer to renders the old one does not):
it stops with one line instead. Only objects (``<2 hex>/<64 hex>.png``) are touched.
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path

from facebuild.builder import build_lock
from facebuild.cast import Cast, load_cast
from facebuild.errors import UsageError
from facebuild.lock import read_lock
from facebuild.store import Store


def run(args: argparse.Namespace) -> int:
    casts: list[Cast] = []
    for name in args.casts:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"{path}: no such cast file")
        casts.append(load_cast(path))
    with ExitStack() as stack:
        for cast in casts:
            stack.enter_context(build_lock(cast))
        keep: dict[Path, set[str]] = {}
        for cast in casts:
            lock = read_lock(cast.lock_path, cast.state_dir / "journal.jsonl")
            keys = keep.setdefault(cast.store_dir.resolve(), set())
            keys.update(str(entry.get("render_key")) for entry in lock.entries.values())
        freed = dropped = 0
        for root, keys in keep.items():
            store = Store(root)
            for key in list(store.keys()):
                if key not in keys:
                    dropped += 1
                    freed += store.size(key) if args.dry_run else store.remove(key)
    verb = "would drop" if args.dry_run else "dropped"
    print(f"{verb} {dropped} render(s), {freed / 1e6:.1f} MB")
    return 0
