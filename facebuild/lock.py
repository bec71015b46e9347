"""cast.lock: per target what it was made from and the sha256 of its file in dist.

Sorted, indented JSON, one field a line, so a one-character change is a small git diff.
Version 2 leaves out of each row what the lock says elsewhere (see ``facebuild.lockrows``);
a version 1 lock is still read, and written as version 2. Reading the lock replays the
journal of a build that was killed (see ``facebuild.lockjournal``).
"""

from __future__ import annotations

import json
import os
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO

from facebuild.atomic import write_text_if_changed
from facebuild.errors import CastError, Location
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
    every_block,
    file_blocks,
    frame_version,
    has_field,
    row_text,
)

LOCK_VERSION = 2
"""The version facebuild writes; it reads every version from 1 to this one."""


class Lock:
    """The entries of cast.lock by target name.

    A lock read for some targets only (``read_lock``'s ``only``) parses only their rows (and
    the rows holding their renders); every other row stays the text the file holds. It is
    parsed when asked for (``get``, ``entries``), and written back as it is when the row it
    names for its render did not change (``to_text``): a build of one character of 10,000
    reads and writes the lock in proportion to that character."""

    def __init__(self, entries: dict[str, LockEntry] | None = None, *, changed: bool = False) -> None:
        self._entries: dict[str, LockEntry] = entries if entries is not None else {}
        self._raw: dict[str, str] = {}
        """Rows not parsed yet, by target: their text in the file."""
        self._path: Path | None = None
        self._files: dict[str, str] | None = None
        """Target by file, of every parsed entry (made on demand, dropped on a change)."""
        self._files_parsed = False
        """Whether the rows not parsed that write their ``file`` were parsed (see ``owner``)."""
        self.changed = changed
        """Whether the entries differ from the file (a replayed journal, a build's writes), or
        the file is of an older version: a no-op build of 10,000 targets then skips
        re-encoding the lock."""
        self.texts: dict[str, _Block] = {}
        """Each entry's block of text in the file, with the entry it encodes and the entry that
        holds its render there (see ``facebuild.lockrows``): a block is encoded again only when
        one of them is another object (entries are immutable)."""
        self.as_read: dict[str, LockEntry] = {}
        """The entries as parsed from the file: only their blocks are taken from it again when the
        lock is written (an equal entry made since may differ in JSON type: 1 and 1.0, 1 and true)."""
        self._shares_checked = False
        """Whether every row not parsed is known to share no render with a parsed entry."""
        self.read_blocks: dict[str, str] = {}
        """The block of each row parsed from a lock read for some targets."""
        self.read_from: tuple[int, int, int, int, int] | None = None
        """The file's (device, inode, size, mtime, ctime) when every entry was read from its blocks in
        this version's frame: while the file is that one, the block of an entry still the object
        read from it says that entry, and is taken without being parsed again. After
        ``write_lock``, the file it wrote (or found holding the same text)."""

    @property
    def entries(self) -> dict[str, LockEntry]:
        """Every entry, by target: the rows not parsed yet are parsed now."""
        if self._raw:
            self._parse(list(self._raw))
            self._entries = dict(sorted(self._entries.items()))  # the file's order
        return self._entries

    def names(self) -> list[str]:
        """Every target the lock has, without parsing a row: in the file's order, and those put
        since after them (sorted, while rows are left unparsed)."""
        if not self._raw:
            return list(self._entries)
        return sorted(self._raw.keys() | self._entries.keys())

    def unparsed(self) -> int:
        """How many rows are still the file's text."""
        return len(self._raw)

    def get(self, name: str) -> LockEntry | None:
        """The entry of ``name``, parsed now if it was not; None when there is none."""
        if name in self._raw:
            self._parse([name])
        return self._entries.get(name)

    def put(self, name: str, entry: LockEntry) -> None:
        self.get(name)  # the entry replaced, as read: see ``altered``
        self._entries[name] = entry
        self._files = None
        self._shares_checked = False
        self.changed = True

    def drop(self, name: str) -> None:
        self.get(name)
        del self._entries[name]
        self._files = None
        self._shares_checked = False
        self.changed = True

    def owner(self, file: str) -> str | None:
        """The target whose file in dist is ``file``, if any. Of the rows not parsed, only
        those that could name it are parsed: a row that writes its ``file`` (all others have
        the default, their name with the format of their post), and the row named as
        ``file`` without its extension."""
        if self._raw and not self._files_parsed:
            self._files_parsed = True
            self._parse([name for name, block in self._raw.items() if has_field(block, "file")])
        if self._files is None:
            self._files = {entry.file: name for name, entry in self._entries.items()}
        found = self._files.get(file)
        if found is None and self._raw:
            named = file.rpartition(".")[0]
            entry = self.get(named) if named in self._raw else None
            found = named if entry is not None and entry.file == file else None
        return found

    def altered(self) -> set[str]:
        """The targets whose entry is not the one read from the file: put, dropped, or from
        a replayed journal. Every other entry says what the file read says."""
        found = {name for name, entry in self._entries.items() if self.as_read.get(name) is not entry}
        return found | {name for name in self.as_read if name not in self._entries}

    def _parse(self, names: list[str]) -> None:
        """Parse the rows of ``names`` not parsed yet, with the rows holding their renders."""
        blocks = {name: self._raw.pop(name) for name in names if name in self._raw}
        while blocks:
            try:
                rows = json.loads("{" + ",\n".join(blocks.values()) + "}")
            except (ValueError, RecursionError) as exc:
                raise CastError(f"cast.lock is not valid JSON ({str(exc)[:200]})",
                                location=Location(self._path or Path("cast.lock")),
                                hint=_RESTORE) from None
            holders = {data["render_of"] for data in rows.values()
                       if type(data) is dict and type(data.get("render_of")) is str}
            missing = [name for name in holders if name in self._raw]
            if missing:
                blocks.update((name, self._raw.pop(name)) for name in missing)
                continue
            holding = {name: self.as_read[name] for name in holders if name in self.as_read}
            try:
                with paused_gc():
                    found = entries_of(({name: rows[name] for name in sorted(rows)},), LOCK_VERSION,
                                       holding)
            except RowError as exc:
                raise _row_error(exc, self._path or Path("cast.lock")) from None
            self._entries.update(found)
            self.as_read.update(found)
            self.read_blocks.update(blocks)
            if self._files is not None:
                self._files.update((entry.file, name) for name, entry in found.items())
            self._shares_checked = False
            return

    def to_text(self) -> str:
        """The file's text: the same bytes as encoding every entry afresh, encoding again
        only the entries whose block in ``texts`` is not theirs. A row not parsed is taken as
        the file has it: first every row that may share a render with a parsed entry is
        parsed (see ``_parse_sharing``), so that the rest hold renders of their own."""
        self._parse_sharing()
        names = sorted(self._raw.keys() | self._entries.keys()) if self._raw else sorted(self._entries)
        parsed = [name for name in names if name in self._entries] if self._raw else names
        held = holders(self._entries, parsed)
        posts: PostTexts = {}
        blocks: list[str] = []
        for name in names:
            raw = self._raw.get(name)
            if raw is not None:
                blocks.append(raw)
                continue
            entry = self._entries[name]
            holder = held.get(name)
            holding = self._entries[holder] if holder is not None else None
            known = self.texts.get(name)
            if known is None or known[0] is not entry or known[1] is not holding:
                data = row(name, entry, (holder, holding) if holder and holding else None, posts)
                known = self.texts[name] = (entry, holding, row_text(name, data))
            blocks.append(known[2])
        return document_text("targets", blocks, LOCK_VERSION)

    def _parse_sharing(self) -> None:
        """Parse each row not parsed yet whose text holds the render key of an entry parsed
        (as it is, or as it was read) or names one as ``render_of``: what is left shares no
        render with a parsed entry, so it is written as the file has it, and the rows holding
        the renders of parsed entries are found among the parsed ones. A key found elsewhere
        in a row (a reference to another render) only costs that row's parse."""
        searched: set[str] = set()
        while self._raw and not self._shares_checked:
            wanted = {entry.render_key for entry in (*self._entries.values(), *self.as_read.values())
                      if entry.render_key is not None}
            wanted.update(f'"render_of": {json.dumps(name, ensure_ascii=False)}' for name in self._entries)
            wanted -= searched
            if not wanted:
                break
            searched |= wanted
            names = list(self._raw)
            starts = list(accumulate((len(self._raw[name]) for name in names[:-1]), initial=0))
            text = "".join(self._raw.values())
            found: set[str] = set()
            for needle in wanted:
                at = text.find(needle)
                while at >= 0:
                    found.add(names[bisect_right(starts, at) - 1])
                    at = text.find(needle, at + 1)
            if not found:
                break
            self._parse(sorted(found))
        self._shares_checked = True

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
        self._take_named(blocks)
        return True

    def take_parsed_blocks(self) -> None:
        """``take_read_blocks`` for a lock read for some targets: the blocks of the rows it
        parsed, kept since (what it did not parse is written as it is)."""
        self._parse_sharing()
        self._take_named(self.read_blocks.items())

    def _take_named(self, blocks: Iterable[tuple[str, str]]) -> None:
        names = sorted(self._entries)
        held = holders(self._entries, names)
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

    def _as_read(self, name: str, held: dict[str, str]) -> tuple[
            LockEntry, str | None, LockEntry | None] | None:
        """The entry of ``name``, the target holding its render and that target's entry,
        when the entry is still the one read from the file and its block is not taken yet."""
        entry = self._entries.get(name)
        if entry is None or name in self.texts or self.as_read.get(name) is not entry:
            return None
        holder = held.get(name)
        return entry, holder, self._entries[holder] if holder is not None else None


_Block = tuple[LockEntry, LockEntry | None, str]


def _identity(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    """What changes when a file is written, even with its size and mtime put back: its
    ctime, which no one can set."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


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
    lock = Lock()
    lock._path = path
    if path.exists():
        # tens of thousands of small objects, no cycle: a pass of the collector over the
        # heap in the middle of it made a full check of 10,000 targets read it 40% slower
        with paused_gc(), path.open("rb") as handle:
            entries, version, framed = _read(handle, path)
            lock.entries.update(entries)
            if framed and version == LOCK_VERSION:
                lock.read_from = _identity(os.fstat(handle.fileno()))
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
            blocks = every_block(handle, "targets", LOCK_VERSION)
            read_from = _identity(os.fstat(handle.fileno()))
    except OSError:
        return None
    if not blocks:
        return None
    lock = Lock()
    lock._path = path
    lock._raw = dict(blocks)
    lock.read_from = read_from
    lock._parse([name for name, _ in blocks if only(name)])
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
    a time, rather than kept since the lock was read: at 100,000 targets that text is 59 MB);
    a lock read for some targets has kept the blocks of the rows it parsed. Afterwards
    ``lock.read_from`` is the identity of the file as written."""
    if lock.unparsed():
        lock.take_parsed_blocks()
    elif not lock.texts and lock.entries:
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
    written = write_text_if_changed(path, text, durable=True)
    lock.read_from = _identity(os.stat(path))
    return written


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
