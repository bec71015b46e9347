"""cast.lock: per target what it was made from and the sha256 of its file in dist.

Sorted, indented JSON, one field a line, so a one-character change is a small git diff.
While a build runs, each finished output is appended to a journal beside the store;
reading the lock replays the journal, so outputs written by a build that was killed are
known as facebuild's own work, not as hand edits.
"""

from __future__ import annotations

import gc
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from facebuild.atomic import write_text_if_changed
from facebuild.distpaths import path_problem
from facebuild.errors import CastError, FacebuildError, Location
from facebuild.locktext import known_texts, lock_text

LOCK_VERSION = 1


class LockEntry(NamedTuple):
    """What cast.lock records of one target: its file in dist and that file's sha256, the
    keys it was made with, the render inputs (prompt, seed, model, ...), the post-processing,
    the template, the price paid per render, and where its character came from (a persona).
    The JSON field names are those of the file (``source``), kept for the locks in users'
    repositories. A field that is None was not in the file and is not written.

    A named tuple, not a frozen dataclass: as immutable and as typed, and ten times cheaper
    to make, which a full check of 10,000 targets does once per entry."""

    file: str
    sha256: str
    render_key: str | None = None
    output_key: str | None = None
    render: dict[str, Any] | None = None
    post: dict[str, Any] | None = None
    template: str | None = None
    price: float | None = None
    source: dict[str, Any] | None = None
    depends_on: str | None = None
    """The target (or file) its render was generated from, for a render with a reference."""

    @classmethod
    def from_dict(cls, name: object, data: object) -> LockEntry:
        """The entry of ``data`` as read from a lock or journal; ``ValueError`` saying what
        is wrong when facebuild could not have written it (see ``entry_problem``)."""
        problem = entry_problem(name, data)
        if problem is not None:
            raise ValueError(problem)
        assert isinstance(data, dict)
        return checked_entry(data)

    def to_dict(self) -> dict[str, Any]:
        """The entry as the lock file holds it."""
        return {key: value for key, value in zip(self._fields, self, strict=True)
                if value is not None}


def checked_entry(data: dict[str, Any]) -> LockEntry:
    """The entry of ``data`` that ``entry_problem`` found nothing wrong with."""
    get = data.get
    return LockEntry(data["file"], data["sha256"], get("render_key"), get("output_key"),
                     get("render"), get("post"), get("template"), get("price"), get("source"),
                     get("depends_on"))


@dataclass
class Lock:
    """The entries of cast.lock by target name."""

    entries: dict[str, LockEntry] = field(default_factory=dict)
    changed: bool = False
    """Whether ``entries`` differ from the file (a replayed journal, a build's writes):
    a no-op build of 10,000 targets then skips re-encoding the lock."""
    texts: dict[str, tuple[LockEntry, str]] = field(default_factory=dict, repr=False, compare=False)
    """Each entry's text in the file, with the entry it encodes: an entry that is still that
    very object is not encoded again (see ``facebuild.locktext``)."""
    as_read: dict[str, LockEntry] = field(default_factory=dict, repr=False, compare=False)
    """The entries as parsed from the file: only their blocks are taken from it again when the
    lock is written (an equal entry made since may differ in JSON type: 1 and 1.0, 1 and true)."""

    def to_text(self) -> str:
        """The file's text: the same bytes as ``json.dumps(..., indent=2, sort_keys=True)`` of
        the whole lock, encoding again only the entries not in ``texts``."""
        return lock_text(self.entries, self.texts)


def read_lock(path: Path, journal: Path | None = None) -> Lock:
    """The lock at ``path`` (empty when missing), with a killed build's journal replayed.
    Both may be hand-made or hostile: every entry is checked before a path in it is used."""
    lock = Lock()
    if path.exists():
        lock.entries = parse_lock(path.read_bytes(), path)
        lock.as_read = dict(lock.entries)
    if journal is not None:
        replay_journal(lock, journal)
    return lock


def parse_lock(text: bytes | str, path: Path) -> dict[str, LockEntry]:
    """The checked entries of a lock file's text; a ``CastError`` naming ``path`` and the
    entry when it is not a lock facebuild could have written."""
    with _collector_paused():
        return _parse_lock(text, path)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing makes tens of thousands of small objects and no reference cycle: a pass of
    the cycle collector over the whole heap in the middle of it costs more than the
    parsing (measured: a full check of 10,000 targets read the lock 40% slower)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_lock(text: bytes | str, path: Path) -> dict[str, LockEntry]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # also non-UTF-8 and 5,000-digit numbers
        raise CastError(f"cast.lock is not valid JSON ({str(exc)[:200]})", location=Location(path),
                        hint="restore it from git, or delete it to rebuild everything") from None
    if not isinstance(data, dict) or data.get("version") != LOCK_VERSION:
        raise CastError("unsupported lock file version", location=Location(path),
                        hint="delete it to rebuild everything")
    targets = data.get("targets") or {}
    if not isinstance(targets, dict):
        raise CastError("'targets' is not a mapping of target names to entries",
                        location=Location(path), key="targets", hint=_RESTORE)
    owners: dict[str, str] = {}
    entries: dict[str, LockEntry] = {}
    for name, entry in targets.items():
        problem = entry_problem(name, entry)
        if problem is None and entry["file"] in owners:
            problem = f"file: {entry['file']!r} is also the file of {owners[entry['file']]!r}"
        if problem is not None:
            raise CastError(problem, location=Location(path), key=f"targets[{_shown(name)}]",
                            hint=_RESTORE)
        owners[entry["file"]] = name
        entries[name] = checked_entry(entry)
    return entries


_RESTORE = "restore it from git, or delete it to rebuild everything"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_OPTIONAL_TYPES: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("render_key", (str,)), ("output_key", (str,)), ("render", (dict,)), ("post", (dict,)),
    ("template", (str,)), ("price", (int, float)), ("source", (dict,)), ("depends_on", (str,)))
"""Exact types (``True`` is no price), checked for every entry of a 10,000-target lock."""


def entry_problem(name: object, entry: object) -> str | None:
    """What is wrong with one lock (or journal) entry, or None: its file must be a path
    inside dist (see ``facebuild.distpaths``) and each field of the type facebuild writes."""
    if not isinstance(name, str) or not name or len(name) > 512:
        return "a target name must be a non-empty string"
    if not isinstance(entry, dict):
        return f"the entry is a {type(entry).__name__}, not a mapping"
    problem = path_problem(entry.get("file"))
    if problem is not None:
        return f"file: {_shown(entry.get('file'))} {problem}"
    digest = entry.get("sha256")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        return f"sha256: {_shown(digest)} is not a sha256 (64 hex digits)"
    get = entry.get
    for key, kinds in _OPTIONAL_TYPES:
        value = get(key)
        if value is not None and type(value) not in kinds:
            return f"{key}: {_shown(value)} is not of the type facebuild writes"
    return None


def _shown(value: object) -> str:
    """A short, one-line rendering of an untrusted value for a message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def write_lock(path: Path, lock: Lock) -> bool:
    """Write the lock if its text changed; True if written. The first write takes the text
    of every entry the file at ``path`` already holds as it is there (read again rather than
    kept since the lock was read: at 100,000 targets that text is 118 MB)."""
    if not lock.texts and lock.entries:
        with _collector_paused():
            same = {name: entry for name, entry in lock.entries.items() if lock.as_read.get(name) is entry}
            lock.texts = known_texts(_current(path), same)
    return write_text_if_changed(path, lock.to_text(), durable=True)


def _current(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # missing, or not readable: every entry is encoded
        return b""


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
