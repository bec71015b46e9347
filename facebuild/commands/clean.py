"""facebuild clean: remove outputs facebuild made that are no longer in the cast.

Files facebuild did not make, and outputs edited by hand, are listed and left alone."""

from __future__ import annotations

import argparse

from facebuild.builder import build_lock, remove_output
from facebuild.commands.common import load_plan
from facebuild.diststate import DistState
from facebuild.lock import read_lock, write_lock
from facebuild.manifest import write_manifest

_OWN_FILES = {"manifest.json", "index.html", "contact-sheet.png"}


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
        if cast.dist_dir.is_dir():
            for file in sorted(p for p in cast.dist_dir.rglob("*") if p.is_file()):
                relative = file.relative_to(cast.dist_dir).as_posix()
                if relative not in wanted and relative not in made and relative not in _OWN_FILES:
                    print(f"left     {relative} (not made by facebuild)")
        if not args.dry_run and removed:
            write_lock(cast.lock_path, lock)
            write_manifest(cast.dist_dir, lock)
            state.save()
    print(f"{removed} output(s) {'to remove' if args.dry_run else 'removed'}")
    return 0
