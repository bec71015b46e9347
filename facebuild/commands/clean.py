"""facebuild clean: remove outputs facebuild made that are no longer in the cast.

Files facebuild did not make, and outputs edited by hand, are listed and left alone."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from facebuild.builder import build_lock
from facebuild.commands.common import load_plan
from facebuild.distfiles import remove_output
from facebuild.distpaths import OWN_FILES
from facebuild.diststate import DistState
from facebuild.lock import read_lock, write_lock
from facebuild.manifest import write_manifest


def run(args: argparse.Namespace) -> int:
    the_plan = load_plan(args)
    cast = the_plan.cast
    with build_lock(cast):
        lock = read_lock(cast.lock_path, cast.state_dir / "journal.jsonl")
        state = DistState.load(cast.state_dir, cast.dist_dir)
        wanted = {t.output for t in the_plan.targets.values()}
        made = {entry["file"]: name for name, entry in lock.entries.items()}
        removed = 0
        for name, entry in sorted(lock.entries.items()):
            if entry["file"] in wanted:
                continue
            if state.edited(entry):
                print(f"kept     {entry['file']} (edited by hand)")
                continue
            print(f"{'would remove' if args.dry_run else 'removed'}  {entry['file']}")
            removed += 1
            if not args.dry_run:
                remove_output(cast, lock, state, name)
        for relative in _files_in(cast.dist_dir):
            if relative not in wanted and relative not in made and relative not in OWN_FILES:
                print(f"left     {relative} (not made by facebuild)")
        if not args.dry_run and removed:
            write_lock(cast.lock_path, lock)
            write_manifest(cast.dist_dir, lock)
            state.save()
    print(f"{removed} output(s) {'to remove' if args.dry_run else 'removed'}")
    return 0


def _files_in(dist: Path) -> list[str]:
    """Every file in dist, relative to it; folders reached through a link are not entered."""
    found = []
    for folder, _, files in os.walk(dist):
        base = Path(folder).relative_to(dist)
        found += [(base / name).as_posix() for name in files]
    return sorted(found)
