"""facebuild gc: drop stored renders that no given cast's lock refers to.

gc holds the build lock of every cast it is given, as ``build`` does, so it never runs
during a build of one of them (whose new lock may refer to renders the old one does not):
it stops with one line instead. Only objects (``<2 hex>/<64 hex>.png``) are touched.
``--remote`` collects the shared S3 store instead, as a dry run unless ``--yes``.
``--json`` prints ``{"dry_run", "stores": [{"store", "dropped", "bytes"}]}``.
"""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from facebuild.builder import build_lock
from facebuild.cast import Cast, load_cast
from facebuild.errors import UsageError
from facebuild.lock import read_lock
from facebuild.store import Store
from facebuild.storeplace import ENDPOINT_ENV, is_remote, local_root, store_location


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
        if args.remote:
            return _remote(args, casts)
        keep: dict[Path, set[str]] = {}
        for cast in casts:
            keys = keep.setdefault(local_root(cast, args.store).resolve(), set())
            keys.update(_referenced(cast))
        results: list[dict[str, Any]] = []
        for root, keys in keep.items():
            store = Store(root)
            freed = dropped = 0
            for key in list(store.keys()):
                if key not in keys:
                    dropped += 1
                    freed += store.size(key) if args.dry_run else store.remove(key)
            results.append({"store": str(root), "dropped": dropped, "bytes": freed})
    if args.json:
        print(json.dumps({"dry_run": args.dry_run, "stores": results}, indent=2))
        return 0
    verb = "would drop" if args.dry_run else "dropped"
    dropped, freed = sum(r["dropped"] for r in results), sum(r["bytes"] for r in results)
    print(f"{verb} {dropped} render(s), {freed / 1e6:.1f} MB")
    return 0


def _referenced(cast: Cast) -> set[str]:
    lock = read_lock(cast.lock_path, cast.state_dir / "journal.jsonl")
    return {str(entry.get("render_key")) for entry in lock.entries.values()}


def _remote(args: argparse.Namespace, casts: list[Cast]) -> int:
    """Remote objects no lock among ``casts`` refers to: counted, and deleted with --yes."""
    import os

    from facebuild.remote_store import S3Objects

    keep: dict[str, set[str]] = {}
    for cast in casts:
        location = store_location(cast, args.store)
        if not is_remote(location):
            raise UsageError(f"gc --remote: {cast.path} has no shared store (give --store "
                             "s3://bucket/prefix, set FACEBUILD_STORE, or store: in the cast)")
        assert location is not None
        keep.setdefault(location.rstrip("/"), set()).update(_referenced(cast))
    delete = args.yes and not args.dry_run
    results: list[dict[str, Any]] = []
    for url, keys in keep.items():
        remote = S3Objects.from_url(url, os.environ.get(ENDPOINT_ENV))
        unused = [(key, size) for key, size in remote.objects() if key not in keys]
        for key, _ in unused if delete else ():
            remote.delete(key)
        freed = sum(size for _, size in unused)
        results.append({"store": url, "dropped": len(unused), "bytes": freed})
        if not args.json:
            verb = "dropped" if delete else "would drop"
            hint = "" if delete else " (run again with --yes to delete them)"
            print(f"{url}: {verb} {len(unused)} render(s), {freed / 1e6:.1f} MB{hint}")
    if args.json:
        print(json.dumps({"dry_run": not delete, "stores": results}, indent=2))
    return 0
