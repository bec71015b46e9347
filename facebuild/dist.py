"""dist and facebuild's state beside it: the one place that writes outputs into dist and
removes them, cleans up a killed build's partial writes, knows facebuild's own files there,
and builds the path of the build journal. (The manifest, the gallery and the contact
sheet, facebuild's own files, are written by their modules after the lock.)

Writing: atomically (``facebuild.atomic``: a temp file, then a rename), never through a
link out of dist. Removing: only the files facebuild recorded making, only inside dist.
The build (targets gone from the cast, outputs moved to a new path) and ``clean`` remove
through here; what they remove was checked by ``facebuild.lock`` when read and is checked
again against dist itself (links, digests) just before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from facebuild.atomic import TEMP_PREFIX, write_atomic
from facebuild.cast import Cast
from facebuild.changes import Diff, diff
from facebuild.distpaths import CONTACT_SHEET, GALLERY, MANIFEST, OWN_FILES, remove_empty_parents
from facebuild.diststate import DistState
from facebuild.errors import BuildLockedError, FacebuildError
from facebuild.keys import file_sha256
from facebuild.lock import Lock, read_lock
from facebuild.locking import LockBusy, held
from facebuild.planner import Plan

JOURNAL = "journal.jsonl"
"""The build journal's name in the cast's state folder (see ``facebuild.lockjournal.Journal``)."""

__all__ = ["CONTACT_SHEET", "GALLERY", "JOURNAL", "MANIFEST", "OWN_FILES", "build_lock", "compare",
           "ensure_inside", "files_in", "journal_path", "read_cast_lock", "read_plan_lock", "remove_file",
           "remove_output", "remove_partial_writes", "write_output"]


def compare(plan: Plan) -> tuple[Lock, Diff]:
    """The cast's lock and the plan compared with it, as ``facebuild diff`` shows them; the
    digests of dist files read on the way are kept, so the next comparison reads no image."""
    lock = read_plan_lock(plan)
    state = DistState.load(plan.cast.state_dir, plan.cast.dist_dir)
    changes = diff(plan, lock, dist_state=state)
    state.save()
    return lock, changes


def journal_path(cast: Cast) -> Path:
    """Where a build of ``cast`` journals what it wrote until the lock holds it."""
    return cast.state_dir / JOURNAL


def read_cast_lock(cast: Cast) -> Lock:
    """The cast's lock with a killed build's journal replayed: what facebuild made."""
    return read_lock(cast.lock_path, journal_path(cast))


def read_plan_lock(plan: Plan) -> Lock:
    """``read_cast_lock`` for ``plan``: for a plan of some characters (``Plan.scope``), only
    their rows are parsed."""
    return read_lock(plan.cast.lock_path, journal_path(plan.cast),
                     only=plan.covers if plan.scope is not None else None)


@contextmanager
def build_lock(cast: Cast) -> Iterator[None]:
    """One build (or gc) of a cast at a time: the second stops with a clear message."""
    with ExitStack() as stack:
        try:
            stack.enter_context(held(cast.state_dir / "build.lock", wait=False, record_owner=True))
        except LockBusy as busy:
            raise BuildLockedError(
                f"another facebuild build or gc of {cast.path or cast.base_dir} is running "
                f"({busy.holder or 'another process'}); wait for it to finish, then run this "
                "again") from None
        yield



def ensure_inside(cast: Cast, state: DistState, relative: str) -> None:
    """Raise when a symbolic link in the folders of ``relative`` leads out of dist."""
    if not state.inside(relative):
        raise FacebuildError(f"{cast.spec.dist}/{relative}: a symbolic link in its folder leads "
                             "out of dist; not written (remove the link)")


def write_output(cast: Cast, relative: str, data: bytes) -> str:
    """Write one output into dist atomically (a temp file, then a rename: a kill leaves the
    old file or the new one, and a temp file ``remove_partial_writes`` finds); its sha256.
    ``relative`` was checked by the planner and ``ensure_inside``."""
    write_atomic(cast.dist_dir / relative, data)
    return file_sha256(data)


def remove_output(cast: Cast, lock: Lock, state: DistState, target: str, *,
                  keep_file: bool = False) -> bool:
    """Delete a target's file from dist (and folders it leaves empty) and its lock entry;
    used by ``build`` for targets gone from the cast and by ``clean``. The file is deleted
    only when it is the one facebuild recorded, inside dist (see ``remove_file``)."""
    entry = lock.get(target)
    assert entry is not None, target
    removed = not keep_file and remove_file(cast.dist_dir, state, entry.file, entry.sha256)
    lock.drop(target)
    return removed


def remove_file(dist: Path, state: DistState, relative: str, digest: str) -> bool:
    """Unlink ``dist/relative`` if it is the regular file inside dist whose sha256
    facebuild recorded: never a link, a path leading out of dist, or somebody's file.
    True if it is gone."""
    if not state.inside(relative) or state.sha256(relative) != digest:
        return False
    path = dist / relative
    path.unlink(missing_ok=True)
    remove_empty_parents(path.parent, dist)
    state.forget(relative)
    return True


def remove_partial_writes(dist: Path) -> None:
    """facebuild's own temp files (``facebuild.atomic.TEMP_PREFIX``) left by a build that
    was killed mid-write; nothing else, and no folder reached through a link."""
    for folder, _, files in os.walk(dist):
        for name in files:
            if name.startswith(TEMP_PREFIX):
                Path(folder, name).unlink(missing_ok=True)


def files_in(dist: Path) -> list[str]:
    """Every file in dist, relative to it; folders reached through a link are not entered."""
    found = []
    for folder, _, files in os.walk(dist):
        base = Path(folder).relative_to(dist)
        found += [(base / name).as_posix() for name in files]
    return sorted(found)
