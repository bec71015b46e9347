"""cast.lock: per target what it was made from and the sha256 of its file in dist.

Sorted, indented JSON, one field a line, so a one-character change is a small git diff.
While a build runs, each finished output is appended to a journal beside the store;
reading the lock replays the journal, so outputs written by a build that was killed are
known as facebuild's own work, not as hand edits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facebuild.atomic import write_text_if_changed
from facebuild.errors import CastError, Location

LOCK_VERSION = 1


@dataclass
class Lock:
    """The entries of cast.lock by target name (see ``facebuild.builder.lock_entry``)."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: bool = False
    """Whether ``entries`` differ from the file (a replayed journal, a build's writes):
    a no-op build of 10,000 targets then skips re-encoding the lock."""

    def to_text(self) -> str:
        data = {"version": LOCK_VERSION, "targets": dict(sorted(self.entries.items()))}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_lock(path: Path, journal: Path | None = None) -> Lock:
    """The lock at ``path`` (empty when missing), with a killed build's journal replayed."""
    lock = Lock()
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CastError(f"cast.lock is not valid JSON ({exc})", location=Location(path),
                            hint="restore it from git, or delete it to rebuild everything") from None
        if not isinstance(data, dict) or data.get("version") != LOCK_VERSION:
            raise CastError("unsupported lock file version", location=Location(path),
                            hint="delete it to rebuild everything")
        lock.entries = dict(data.get("targets") or {})
    if journal is not None:
        replay_journal(lock, journal)
    return lock


def write_lock(path: Path, lock: Lock) -> bool:
    """Write the lock if its text changed; True if written."""
    return write_text_if_changed(path, lock.to_text(), durable=True)


def replay_journal(lock: Lock, journal: Path) -> None:
    try:
        lines = journal.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a kill: that output was not finished
        if record.get("removed"):
            lock.entries.pop(record["target"], None)
        else:
            lock.entries[record["target"]] = record["entry"]
        lock.changed = True


class Journal:
    """Append-only record of outputs written during a build (one JSON line each)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handle = path.open("a", encoding="utf-8")

    def wrote(self, target: str, entry: dict[str, Any]) -> None:
        self._append({"target": target, "entry": entry})

    def removed(self, target: str) -> None:
        self._append({"target": target, "removed": True})

    def _append(self, record: dict[str, Any]) -> None:
        self._handle.write(json.dumps(record, sort_keys=True) + "\n")
        self._handle.flush()  # a kill loses nothing flushed; no fsync per output

    def close(self, *, delete: bool) -> None:
        self._handle.close()
        if delete:
            self.path.unlink(missing_ok=True)
