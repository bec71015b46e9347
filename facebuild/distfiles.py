"""Removing files from dist: only the ones facebuild recorded making, only inside dist.

The build (targets gone from the cast, outputs moved to a new path) and ``clean`` remove
through here; what they remove was checked by ``facebuild.lock`` when read and is checked
again against dist itself (links, digests) just before.
"""

from __future__ import annotations

import os
from pathlib import Path

from facebuild.atomic import TEMP_PREFIX
from facebuild.cast import Cast
from facebuild.diststate import DistState
from facebuild.lock import Lock


def remove_output(cast: Cast, lock: Lock, state: DistState, target: str, *,
                  keep_file: bool = False) -> None:
    """Delete a target's file from dist (and folders it leaves empty) and its lock entry;
    used by ``build`` for targets gone from the cast and by ``clean``. The file is deleted
    only when it is the one facebuild recorded, inside dist (see ``remove_file``)."""
    entry = lock.entries[target]
    if not keep_file:
        remove_file(cast.dist_dir, state, str(entry["file"]), str(entry.get("sha256")))
    del lock.entries[target]
    lock.changed = True


def remove_file(dist: Path, state: DistState, relative: str, digest: str) -> None:
    """Unlink ``dist/relative`` if it is the regular file inside dist whose sha256
    facebuild recorded: never a link, a path leading out of dist, or somebody's file."""
    if not state.inside(relative) or state.sha256(relative) != digest:
        return
    path = dist / relative
    path.unlink(missing_ok=True)
    _remove_empty_parents(path.parent, dist)
    state.forget(relative)


def remove_partial_writes(dist: Path) -> None:
    """facebuild's own temp files (``facebuild.atomic.TEMP_PREFIX``) left by a build that
    was killed mid-write; nothing else, and no folder reached through a link."""
    for folder, _, files in os.walk(dist):
        for name in files:
            if name.startswith(TEMP_PREFIX):
                Path(folder, name).unlink(missing_ok=True)


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
