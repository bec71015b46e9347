"""Remove the outputs facebuild made that are no longer in the cast, as ``facebuild clean``
does. Outputs edited by hand, and files facebuild did not make, are left alone."""

from __future__ import annotations

from dataclasses import dataclass

from facebuild.backends import Backend
from facebuild.cast import Cast
from facebuild.dist import build_lock, files_in, read_cast_lock, remove_output
from facebuild.distpaths import is_own_file
from facebuild.diststate import DistState
from facebuild.lock import write_lock
from facebuild.manifest import write_manifest
from facebuild.planner import plan


@dataclass(frozen=True)
class Cleaned:
    """What ``clean`` removed (or would, in a dry run) and what it left, as paths in dist."""

    removed: tuple[str, ...]
    kept: tuple[str, ...]
    """Outputs no longer in the cast but edited by hand."""
    left: tuple[str, ...]
    """Files in dist that facebuild did not make."""
    dry_run: bool


def clean(cast: Cast, *, dry_run: bool = False, backend: Backend | None = None) -> Cleaned:
    """Remove the files of lock entries that no target of ``cast`` writes any more, with
    their entries; the lock and the manifest are rewritten when anything went."""
    wanted = {t.output for t in plan(cast, backend).targets.values()}
    removed: list[str] = []
    kept: list[str] = []
    with build_lock(cast):
        lock = read_cast_lock(cast)
        state = DistState.load(cast.state_dir, cast.dist_dir)
        made = {entry.file for entry in lock.entries.values()}
        for name, entry in sorted(lock.entries.items()):
            if entry.file in wanted:
                continue
            if state.edited(entry):
                kept.append(entry.file)
                continue
            removed.append(entry.file)
            if not dry_run:
                remove_output(cast, lock, state, name)
        left = [relative for relative in files_in(cast.dist_dir)
                if relative not in wanted and relative not in made and not is_own_file(relative)]
        if not dry_run and removed:
            write_lock(cast.lock_path, lock)
            write_manifest(cast.dist_dir, lock)
            state.save()
    return Cleaned(tuple(removed), tuple(kept), tuple(left), dry_run)
