"""What facebuild remembers, in .facebuild/, of the site files it wrote in dist (the
manifest, the gallery, the contact sheet), so that a build that changed a few targets
rewrites their rows only instead of every row from every lock entry.

A file's identity is its (device, inode, size, mtime, ctime), taken right after facebuild
wrote it. A file put there any other way (edited by hand, checked out, restored from a
cache) has an inode and a ctime no one can choose, so a site file is taken as facebuild's
own work only while it has the identity recorded; and a record says which lock file the
site was made from, so the rows it holds are reused only for a lock read from that very
file. Records are untrusted input too: read bounded, from regular files only, their
shape checked; anything else means the site is made whole, which is always right.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

from facebuild.atomic import write_atomic
from facebuild.lock import Lock
from facebuild.safefiles import file_identity, read_bounded, read_regular

Identity = list[int]
"""(device, inode, size, mtime_ns, ctime_ns) of a regular file."""


def identity(path: Path) -> Identity | None:
    """The identity of the regular file at ``path`` (never through a link), or None."""
    try:
        status = path.lstat()
    except OSError:
        return None
    return _identity(status)


def read_known(path: Path, recorded: object) -> bytes | None:
    """The bytes of the file at ``path`` when it has the identity ``recorded``; else None."""
    if not is_identity(recorded):
        return None
    read = read_regular(path, lambda status: _identity(status) == recorded)
    return read[0] if read is not None and len(read[0]) == read[1].st_size else None


def _identity(status: os.stat_result) -> Identity | None:
    found = file_identity(status)
    return list(found) if found is not None else None


def is_identity(value: object) -> bool:
    return isinstance(value, list) and len(value) == 5 and all(type(n) is int for n in value)


class LockFiles(NamedTuple):
    """The cast.lock files a site written now is made from and for."""

    read: Identity | None
    """The file the lock was read from: a site recorded as made from it holds every entry
    of the lock but the ``altered()`` ones."""
    written: Identity | None
    """The file that holds the lock now: what a site written now is recorded as made from."""


def lock_files(lock: Lock, lock_file: Path | None) -> LockFiles:
    """Which files ``lock`` was read from (``lock.read_from``) and is held by. ``lock_file``:
    where the caller has just written ``lock`` (the builder and ``clean`` write it before
    the site); None: the site is not recorded as made from any file. A file never read
    (None) or a new one matches no record: the site is then made whole."""
    read = lock.read_from
    return LockFiles(list(read) if read is not None else None,
                     identity(lock_file) if lock_file is not None else None)


def code_digest(*sources: str) -> str:
    """A digest of the code at ``sources`` (module files) and the Python version: what a
    site file made by other code must not be reused for."""
    parts: list[bytes] = []
    for source in sources:
        try:
            parts.append(Path(source).read_bytes())
        except OSError:  # no source beside the code: a new version never reuses
            from facebuild import __version__

            parts.append(__version__.encode())
    return hashlib.sha256(repr((parts, sys.version_info[:2])).encode()).hexdigest()[:16]


def read_record(path: Path, limit: int) -> dict[str, Any] | None:
    """The JSON object in the regular file at ``path`` of at most ``limit`` bytes, or None."""
    read = read_bounded(path, limit)
    try:
        data = json.loads(read) if read is not None else None
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def write_record(path: Path, record: dict[str, Any]) -> None:
    """Write ``record``; only an optimisation, so a failure is ignored."""
    try:
        write_atomic(path, json.dumps(record, separators=(",", ":")).encode())
    except OSError:
        pass


def forget(path: Path) -> None:
    """Remove a record that no longer says what a site file holds."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
