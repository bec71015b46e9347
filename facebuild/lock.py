"""cast.lock: per target what it was made from and the sha256 of its file in dist; this
module reads and writes the file, ``facebuild.lockentries`` holds it in memory.

Sorted, indented JSON, one field a line, so a one-character change is a small git diff.
Version 2 leaves out of each row what the lock says elsewhere (see ``facebuild.lockrows``);
a version 1 lock is still read, and written as version 2. Reading the lock replays the
journal of a build that was killed (see ``facebuild.lockjournal``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from facebuild.atomic import write_text_if_changed
from facebuild.errors import CastError, Location
from facebuild.gcpause import paused_gc
from facebuild.lockentries import LOCK_VERSION as LOCK_VERSION
from facebuild.lockentries import RESTORE as _RESTORE
from facebuild.lockentries import Lock as Lock
from facebuild.lockentries import parsed_json
from facebuild.lockentries import row_error as _row_error
from facebuild.lockentry import LockEntry as LockEntry
from facebuild.lockentry import checked_entry as checked_entry
from facebuild.lockentry import entry_problem as entry_problem
from facebuild.lockrows import RowError, entries_of
from facebuild.locktext import chunks, frame_head, frame_tail, frame_version
from facebuild.rawrows import RawRows
from facebuild.safefiles import file_identity


def read_lock(path: Path, journal: Path | None = None, *,
              only: Callable[[str], bool] | None = None) -> Lock:
    """The lock at ``path`` (empty when missing), with a killed build's journal replayed.
    Both may be hand-made or hostile: every entry is checked before a path in it is used.
    A lock of an older version counts as changed: the next build writes it as this one.
    With ``only``, the targets a build of some characters is about: only their rows (and
    those holding their renders) are parsed now, when the file is in the frame facebuild
    writes and no journal is to be replayed; the others when asked for (see ``Lock``)."""
    if only is not None and not (journal is not None and journal.exists()):
        some = _read_some(path, only)
        if some is not None:
            return some
    lock = Lock(path=path)
    if path.exists():
        # tens of thousands of small objects, no cycle: a pass of the collector over the
        # heap in the middle of it made a full check of 10,000 targets read it 40% slower
        with paused_gc(), path.open("rb") as handle:
            entries, version, framed = _read(handle, path)
            lock.entries.update(entries)
            if framed and version == LOCK_VERSION:
                lock.read_from = file_identity(os.fstat(handle.fileno()))
        lock.as_read = dict(lock.entries)
        lock.changed = version < LOCK_VERSION
    if journal is not None:
        replay_journal(lock, journal)
    return lock


def _read_some(path: Path, only: Callable[[str], bool]) -> Lock | None:
    """The lock at ``path`` with only the rows of ``only`` parsed, or None when it cannot
    be cut into rows by their lines (missing, of an older version, formatted by hand):
    the caller reads it whole."""
    try:
        with path.open("rb") as handle:
            if frame_version(handle, "targets", range(LOCK_VERSION, LOCK_VERSION + 1)) is None:
                return None
            rows = RawRows.read(handle, frame_head("targets"), frame_tail(LOCK_VERSION))
            read_from = file_identity(os.fstat(handle.fileno()))
    except OSError:
        return None
    if rows is None or read_from is None:
        return None
    return Lock.of_rows(path, rows, read_from, only)


def parse_lock(text: bytes | str, path: Path) -> dict[str, LockEntry]:
    """The checked entries of a lock file's text; a ``CastError`` naming ``path`` and the
    entry when it is not a lock facebuild could have written."""
    with paused_gc():
        return _entries(parsed_json(text, path), path)[0]


def _read(handle: BinaryIO, path: Path) -> tuple[dict[str, LockEntry], int, bool]:
    """The entries and version of the lock file open in ``handle``, and whether they were
    read and parsed a chunk of rows at a time, the file being in the frame facebuild writes
    (see ``facebuild.locktext.chunks``); else it is parsed whole."""
    version = frame_version(handle, "targets", range(1, LOCK_VERSION + 1))
    if version is not None:
        try:
            return entries_of(_rows(handle, version), version), version, True
        except _NotFramed:
            pass  # parsed whole below: the same rows, or the error that says what is wrong
        except RowError as exc:
            raise _row_error(exc, path) from None
    handle.seek(0)
    return *_entries(parsed_json(handle.read(), path), path), False


class _NotFramed(Exception):
    """A chunk of a lock file that does not parse alone: a hand edit."""


def _rows(handle: BinaryIO, version: int) -> Iterator[dict[str, Any]]:
    try:
        for chunk in chunks(handle, "targets", version):
            rows = json.loads(b"{" + chunk + b"}")
            if not isinstance(rows, dict):
                raise _NotFramed()
            yield rows
    except (ValueError, RecursionError):
        raise _NotFramed() from None


def _entries(data: Any, path: Path) -> tuple[dict[str, LockEntry], int]:
    """The entries of a parsed lock file, and its version."""
    version = data.get("version") if isinstance(data, dict) else None
    if type(version) is int and version > LOCK_VERSION:
        raise CastError(f"cast.lock is version {version}, newer than this facebuild reads "
                        f"(1 to {LOCK_VERSION})", location=Location(path), key="version",
                        hint="upgrade facebuild, or delete it to rebuild everything")
    if type(version) is not int or version < 1:
        raise CastError("unsupported lock file version", location=Location(path), key="version",
                        hint="delete it to rebuild everything")
    targets = data.get("targets") or {}
    if not isinstance(targets, dict):
        raise CastError("'targets' is not a mapping of target names to entries",
                        location=Location(path), key="targets", hint=_RESTORE)
    try:
        return entries_of((targets,), version), version
    except RowError as exc:
        raise _row_error(exc, path) from None


def write_lock(path: Path, lock: Lock) -> bool:
    """Write the lock if its text changed; True if written. The first write takes the text
    of every entry the file at ``path`` already holds as it is there (read again, a chunk at
    a time, rather than kept since the lock was read: at 100,000 targets that text is 59 MB);
    a lock read for some targets has kept the blocks of the rows it parsed. ``lock.read_from``
    still names the file read (the site's records compare it with the file they were made
    from, see ``facebuild.siterecord``)."""
    if lock.read_by_rows:
        lock.take_parsed_blocks()
    elif not lock.texts and lock.entries:
        with paused_gc():
            try:
                with path.open("rb") as handle:
                    unchanged = lock.read_from == file_identity(os.fstat(handle.fileno()))
                    if not (unchanged and lock.take_read_blocks(handle)):
                        lock.take_blocks(handle)
            except OSError:  # missing, or not readable: every entry is encoded
                pass
    try:
        text = lock.to_text()
    except RecursionError:  # a hand-made entry nested nearly as deep as JSON may be read
        raise CastError("an entry is nested deeper than facebuild can write it", location=Location(path),
                        hint=_RESTORE) from None
    return write_text_if_changed(path, text, durable=True)


def replay_journal(lock: Lock, journal: Path) -> None:
    """Apply the records of a build that was killed, or whose lock write failed. A line cut
    short by a kill is skipped; a record facebuild could not have written is an error."""
    try:
        lines = journal.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue  # a line cut short by a kill: that output was not finished
        target = record.get("target") if isinstance(record, dict) else None
        if isinstance(record, dict) and record.get("removed") is True and isinstance(target, str):
            if lock.get(target) is not None:
                lock.drop(target)
        else:
            entry = record.get("entry") if isinstance(record, dict) else None
            problem = entry_problem(target, entry)
            if problem is not None:
                raise CastError(problem, location=Location(journal, number),
                                hint="delete it; the next build then checks dist against cast.lock")
            assert isinstance(target, str) and isinstance(entry, dict)
            lock.put(target, checked_entry(entry))
        lock.changed = True
