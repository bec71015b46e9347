"""cast.lock in memory: the entries by target, each parsed when first asked for in a lock
read for some characters, and the file's text made again block by block.

A build of one character of 10,000 parses that character's rows and writes every other row
back as the file holds it (see ``Lock``); ``facebuild.lock`` reads and writes the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from facebuild.errors import CastError, Location
from facebuild.gcpause import paused_gc
from facebuild.lockentry import LockEntry, shown
from facebuild.lockrows import PostTexts, RowError, entries_of, holders, row, shares
from facebuild.locktext import (
    FIELD,
    block_names,
    document_text,
    file_blocks,
    frame_version,
    row_text,
    target_block,
)
from facebuild.rawrows import RawRows
from facebuild.safefiles import FileIdentity

LOCK_VERSION = 2
"""The version facebuild writes; it reads every version from 1 to this one."""


class Lock:
    """The entries of cast.lock by target name.

    A lock read for some targets only (``read_lock``'s ``only``) parses only their rows (and
    the rows holding their renders); every other row stays the text the file holds. It is
    parsed when asked for (``get``, ``entries``), and written back as it is when the row it
    names for its render did not change (``to_text``): a build of one character of 10,000
    reads and writes the lock in proportion to that character."""

    def __init__(self, entries: dict[str, LockEntry] | None = None, *, changed: bool = False,
                 path: Path | None = None) -> None:
        self._entries: dict[str, LockEntry] = entries if entries is not None else {}
        self._raw: RawRows | None = None
        """The rows of a lock read for some targets, those not parsed yet still text."""
        self._names: list[str] | None = None
        """Every target, while rows are left unparsed (made on demand, dropped on a change)."""
        self._path = path or Path("cast.lock")
        """The file, named in the error a row parsed late may raise."""
        self._files: dict[str, str] | None = None
        """Target by file, of every parsed entry (made on demand, dropped on a change)."""
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
        self.read_from: FileIdentity | None = None
        """The file's (device, inode, size, mtime, ctime) when every entry was read from its blocks in
        this version's frame: while the file is that one, the block of an entry still the object
        read from it says that entry, and is taken without being parsed again; the site's
        records say which lock file they were made from by it (``facebuild.siterecord``)."""

    @classmethod
    def of_rows(cls, path: Path, rows: RawRows, read_from: FileIdentity,
                only: Callable[[str], bool]) -> Lock:
        """The lock of the file at ``path`` cut into its ``rows``, with those of ``only``
        (and the rows holding their renders) parsed now."""
        lock = cls(path=path)
        lock._raw = rows
        lock.read_from = read_from
        lock._parse([name for name in rows.names if only(name)])
        return lock

    @property
    def entries(self) -> dict[str, LockEntry]:
        """Every entry, by target: the rows not parsed yet are parsed now."""
        if self._raw is not None and self._raw.pending:
            self._parse(list(self._raw.pending))
            self._entries = dict(sorted(self._entries.items()))  # the file's order
        return self._entries

    def names(self) -> list[str]:
        """Every target the lock has, without parsing a row: in the file's order, and those put
        since after them (sorted, while rows are left unparsed)."""
        if self._raw is None or not self._raw.pending:
            return list(self._entries)
        if self._names is None:
            self._names = sorted(self._raw.pending.keys() | self._entries.keys())
        return list(self._names)

    @property
    def read_by_rows(self) -> bool:
        """Whether the lock was read for some targets (``of_rows``): the blocks of the rows it
        parsed are kept, every other row is still the file's text."""
        return self._raw is not None

    def unparsed(self) -> int:
        """How many rows are still the file's text."""
        return len(self._raw.pending) if self._raw is not None else 0

    def get(self, name: str) -> LockEntry | None:
        """The entry of ``name``, parsed now if it was not; None when there is none."""
        if self._raw is not None and name in self._raw.pending:
            self._parse([name])
        return self._entries.get(name)

    def put(self, name: str, entry: LockEntry) -> None:
        self.get(name)  # the entry replaced, as read: see ``altered``
        if name not in self._entries:
            self._names = None
        self._entries[name] = entry
        self._files = None
        self._shares_checked = False
        self.changed = True

    def drop(self, name: str) -> None:
        self.get(name)
        del self._entries[name]
        self._names = None
        self._files = None
        self._shares_checked = False
        self.changed = True

    def owner(self, file: str) -> str | None:
        """The target whose file in dist is ``file``, if any. Of the rows not parsed, only
        those that could name it are parsed: a row that writes that ``file`` (every other
        has the default, its name with the format of its post), and the row named as
        ``file`` without its extension."""
        if self._raw is not None and self._raw.pending:
            written = FIELD + '"file": ' + json.dumps(file, ensure_ascii=False)
            self._parse(sorted(self._raw.holding([written])))
            named = file.rpartition(".")[0]
            if named in self._raw.pending:
                self._parse([named])
        if self._files is None:
            self._files = {entry.file: name for name, entry in self._entries.items()}
        return self._files.get(file)

    def altered(self) -> set[str]:
        """The targets whose entry is not the one read from the file: put, dropped, or from
        a replayed journal. Every other entry says what the file read says."""
        found = {name for name, entry in self._entries.items() if self.as_read.get(name) is not entry}
        return found | {name for name in self.as_read if name not in self._entries}

    def _parse(self, names: list[str]) -> None:
        """Parse the rows of ``names`` not parsed yet, with the rows holding their renders."""
        if self._raw is None:
            return
        blocks = self._raw.take(names)
        while blocks:
            rows = parsed_json("{" + ",\n".join(blocks.values()) + "}", self._path)
            holders = {data["render_of"] for data in rows.values()
                       if type(data) is dict and type(data.get("render_of")) is str}
            missing = self._raw.take(holders)
            if missing:
                blocks.update(missing)
                continue
            holding = {name: self.as_read[name] for name in holders if name in self.as_read}
            try:
                with paused_gc():
                    found = entries_of(({name: rows[name] for name in sorted(rows)},), LOCK_VERSION,
                                       holding)
            except RowError as exc:
                raise row_error(exc, self._path) from None
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
        names = sorted(self._entries)
        held = holders(self._entries, names)
        posts: PostTexts = {}
        blocks: list[str] = []
        for name in names:
            entry = self._entries[name]
            holder = held.get(name)
            holding = self._entries[holder] if holder is not None else None
            known = self.texts.get(name)
            if known is None or known[0] is not entry or known[1] is not holding:
                data = row(name, entry, (holder, holding) if holder and holding else None, posts)
                known = self.texts[name] = (entry, holding, row_text(name, data))
            blocks.append(known[2])
        if self._raw is not None and self._raw.pending:
            blocks = self._raw.pieces(list(zip(names, blocks, strict=True)))
        return document_text("targets", blocks, LOCK_VERSION)

    def _parse_sharing(self) -> None:
        """Parse each row not parsed yet whose text holds the render key of an entry parsed
        (as it is, or as it was read) or names one as ``render_of``: what is left shares no
        render with a parsed entry, so it is written as the file has it, and the rows holding
        the renders of parsed entries are found among the parsed ones. A key found elsewhere
        in a row (a reference to another render) only costs that row's parse."""
        searched: set[str] = set()
        while self._raw is not None and self._raw.pending and not self._shares_checked:
            wanted = {entry.render_key for entry in (*self._entries.values(), *self.as_read.values())
                      if entry.render_key is not None}
            wanted.update(f'"render_of": {json.dumps(name, ensure_ascii=False)}' for name in self._entries)
            wanted -= searched
            if not wanted:
                break
            searched |= wanted
            found = self._raw.holding(wanted)
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
                target_block(name, block) for name, block in blocks):
            return False
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


def parsed_json(text: bytes | str, path: Path) -> Any:
    """``text`` parsed; a ``CastError`` naming ``path`` when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # also non-UTF-8 and 5,000-digit numbers
        raise CastError(f"cast.lock is not valid JSON ({str(exc)[:200]})", location=Location(path),
                        hint=RESTORE) from None


def row_error(exc: RowError, path: Path) -> CastError:
    return CastError(exc.problem, location=Location(path), key=f"targets[{shown(exc.target)}]",
                     hint=RESTORE)


RESTORE = "restore it from git, or delete it to rebuild everything"
