"""cast.lock: per target what it was made from and the sha256 of its file in dist.

Sorted, indented JSON, one field a line, so a one-character change is a small git diff.
Version 2 leaves out of each row what the lock says elsewhere (see ``facebuild.lockrows``);
a version 1 lock is still read, and written as version 2. While a build runs, each
finished output is appended to a journal beside the store; reading the lock replays the
journal, so outputs written by a build that was killed are known as facebuild's own work,
not as hand edits.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from facebuild.atomic import write_text_if_changed
from facebuild.errors import CastError, FacebuildError, Location
from facebuild.gcpause import paused_gc
from facebuild.lockentry import LockEntry as LockEntry
from facebuild.lockentry import checked_entry as checked_entry
from facebuild.lockentry import entry_problem as entry_problem
from facebuild.lockentry import shown
from facebuild.lockrows import PostTexts, RowError, entries_of, holders, row, shares
from facebuild.locktext import (
    block_names,
    chunks,
    document_text,
    file_blocks,
    frame_version,
    row_text,
)

LOCK_VERSION = 2
"""The version facebuild writes; it reads every version from 1 to this one."""


@dataclass
class Lock:
    """The entries of cast.lock by target name."""

    entries: dict[str, LockEntry] = field(default_factory=dict)
    changed: bool = False
    """Whether ``entries`` differ from the file (a replayed journal, a build's writes), or the
    file is of an older version: a no-op build of 10,000 targets then skips re-encoding the lock."""
    texts: dict[str, _Block] = field(default_factory=dict, repr=False, compare=False)
    """Each entry's block of text in the file, with the entry it encodes and the entry that
    holds its render there (see ``facebuild.lockrows``): a block is encoded again only when
    one of them is another object (entries are immutable)."""
    as_read: dict[str, LockEntry] = field(default_factory=dict, repr=False, compare=False)
    """The entries as parsed from the file: only their blocks are taken from it again when the
    lock is written (an equal entry made since may differ in JSON type: 1 and 1.0, 1 and true)."""
    read_from: tuple[int, int, int, int, int] | None = field(default=None, repr=False, compare=False)
    """The file's (device, inode, size, mtime, ctime) when every entry was read from its blocks in
    this version's frame: while the file is that one, the block of an entry still the object
    read from it says that entry, and is taken without being parsed again."""

    def names(self) -> list[str]:
        """Every target the lock has, without parsing an entry (see ``read_lock``'s ``only``)."""
        return list(self.entries)

    def get(self, name: str) -> LockEntry | None:
        """The entry of ``name``, parsed now if it was left unparsed; None when there is none."""
        return self.entries.get(name)

    def put(self, name: str, entry: LockEntry) -> None:
        self.entries[name] = entry
        self.changed = True

    def drop(self, name: str) -> None:
        del self.entries[name]
        self.changed = True

    def altered(self) -> set[str]:
        """The targets whose entry is not the one read from the file: put, dropped, or from
        a replayed journal. Every other entry says what the file read says."""
        found = {name for name, entry in self.entries.items() if self.as_read.get(name) is not entry}
        return found | {name for name in self.as_read if name not in self.entries}

    def to_text(self) -> str:
        """The file's text: the same bytes as encoding every entry afresh, encoding again
        only the entries whose block in ``texts`` is not theirs."""
        names = sorted(self.entries)
        held = holders(self.entries, names)
        posts: PostTexts = {}
        blocks: list[str] = []
        for name in names:
            entry = self.entries[name]
            holder = held.get(name)
            holding = self.entries[holder] if holder is not None else None
            known = self.texts.get(name)
            if known is None or known[0] is not entry or known[1] is not holding:
                data = row(name, entry, (holder, holding) if holder and holding else None, posts)
                known = self.texts[name] = (entry, holding, row_text(name, data))
            blocks.append(known[2])
        return document_text("targets", blocks, LOCK_VERSION)

    def take_blocks(self, handle: BinaryIO) -> None:
        """Keep as ``texts`` each block of the lock file open in ``handle`` that encodes
        exactly the entry read from it (the same fields and values), given the entry holding
        its render; the file is read a chunk at a time (see ``facebuild.locktext.chunks``)."""
        if frame_version(handle, "targets", range(LOCK_VERSION, LOCK_VERSION + 1)) is None:
            return
        names = sorted(self.entries)
        held = holders(self.entries, names)
        posts: PostTexts = {}
        for name, fields, block in file_blocks(handle, "targets", LOCK_VERSION):
            found = self._as_read(name, held)
            if found is None:
                continue
            entry, holder, holding = found
            if fields == row(name, entry, (holder, holding) if holder and holding else None, posts):
                self.texts[name] = (entry, holding, block)

    def take_read_blocks(self, handle: BinaryIO) -> bool:
        """Keep as ``texts`` the block of each entry that is still the object read from it
        (the file open in ``handle`` being the one read: ``read_from``), when the entry
        holding its render is too and the block names it (or, written whole, names none).
        Only the names are read, 10x cheaper than ``take_blocks``; False, keeping nothing,
        when the blocks are not one for each target, in the order read (a hand edit indented
        a field like a target: the file parsed, but its blocks cannot be cut by lines)."""
        blocks = list(block_names(handle, "targets", LOCK_VERSION))
        if [name for name, _ in blocks] != list(self.as_read) or not all(
                "/" in name and block.endswith("\n    }") for name, block in blocks):
            return False  # target names have a slash; field names do not
        names = sorted(self.entries)
        held = holders(self.entries, names)
        for name, block in blocks:
            found = self._as_read(name, held)
            if found is None:
                continue
            entry, holder, holding = found
            if holder is not None and holding is not None and shares(entry, holding):
                if (self.as_read.get(holder) is not holding
                        or f'"render_of": {json.dumps(holder, ensure_ascii=False)}' not in block):
                    continue
            elif '"render_of"' in block:
                continue
            self.texts[name] = (entry, holding, block)
        return True

    def _as_read(self, name: str, held: dict[str, str]) -> tuple[
            LockEntry, str | None, LockEntry | None] | None:
        """The entry of ``name``, the target holding its render and that target's entry,
        when the entry is still the one read from the file and its block is not taken yet."""
        entry = self.entries.get(name)
        if entry is None or name in self.texts or self.as_read.get(name) is not entry:
            return None
        holder = held.get(name)
        return entry, holder, self.entries[holder] if holder is not None else None


_Block = tuple[LockEntry, LockEntry | None, str]


def _identity(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    """What changes when a file is written, even with its size and mtime put back: its
    ctime, which no one can set."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def read_lock(path: Path, journal: Path | None = None) -> Lock:
    """The lock at ``path`` (empty when missing), with a killed build's journal replayed.
    Both may be hand-made or hostile: every entry is checked before a path in it is used.
    A lock of an older version counts as changed: the next build writes it as this one."""
    lock = Lock()
    if path.exists():
        # tens of thousands of small objects, no cycle: a pass of the collector over the
        # heap in the middle of it made a full check of 10,000 targets read it 40% slower
        with paused_gc(), path.open("rb") as handle:
            lock.entries, version, framed = _read(handle, path)
            if framed and version == LOCK_VERSION:
                lock.read_from = _identity(os.fstat(handle.fileno()))
        lock.as_read = dict(lock.entries)
        lock.changed = version < LOCK_VERSION
    if journal is not None:
        replay_journal(lock, journal)
    return lock


def parse_lock(text: bytes | str, path: Path) -> dict[str, LockEntry]:
    """The checked entries of a lock file's text; a ``CastError`` naming ``path`` and the
    entry when it is not a lock facebuild could have written."""
    with paused_gc():
        return _entries(_parsed(text, path), path)[0]


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
    return *_entries(_parsed(handle.read(), path), path), False


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


def _parsed(text: bytes | str, path: Path) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # also non-UTF-8 and 5,000-digit numbers
        raise CastError(f"cast.lock is not valid JSON ({str(exc)[:200]})", location=Location(path),
                        hint=_RESTORE) from None


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


def _row_error(exc: RowError, path: Path) -> CastError:
    return CastError(exc.problem, location=Location(path), key=f"targets[{shown(exc.target)}]",
                     hint=_RESTORE)


_RESTORE = "restore it from git, or delete it to rebuild everything"


def write_lock(path: Path, lock: Lock) -> bool:
    """Write the lock if its text changed; True if written. The first write takes the text
    of every entry the file at ``path`` already holds as it is there (read again, a chunk at
    a time, rather than kept since the lock was read: at 100,000 targets that text is 59 MB)."""
    if not lock.texts and lock.entries:
        with paused_gc():
            try:
                with path.open("rb") as handle:
                    unchanged = lock.read_from == _identity(os.fstat(handle.fileno()))
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
            lock.entries.pop(target, None)
        else:
            entry = record.get("entry") if isinstance(record, dict) else None
            problem = entry_problem(target, entry)
            if problem is not None:
                raise CastError(problem, location=Location(journal, number),
                                hint="delete it; the next build then checks dist against cast.lock")
            assert isinstance(target, str) and isinstance(entry, dict)
            lock.entries[target] = checked_entry(entry)
        lock.changed = True


class Journal:
    """Append-only record of outputs written during a build (one JSON line each)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # never through a link planted in .facebuild: appending there would write elsewhere
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        except OSError as exc:
            raise FacebuildError(f"{path}: cannot keep the build journal there ({exc.strerror}); "
                                 "facebuild makes that file itself: delete what is there") from None
        self._handle = os.fdopen(descriptor, "a", encoding="utf-8")

    def wrote(self, target: str, entry: LockEntry) -> None:
        self._append({"target": target, "entry": entry.to_dict()})

    def removed(self, target: str) -> None:
        self._append({"target": target, "removed": True})

    def _append(self, record: dict[str, Any]) -> None:
        self._handle.write(json.dumps(record, sort_keys=True) + "\n")
        self._handle.flush()  # a kill loses nothing flushed; no fsync per output

    def close(self, *, delete: bool) -> None:
        self._handle.close()
        if delete:
            self.path.unlink(missing_ok=True)
