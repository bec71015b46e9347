"""Lock files that work on every platform: one process at a time builds a cast, renders a
key, or collects a store's garbage.

``filelock`` picks the native lock of the platform (``flock`` on POSIX, ``msvcrt`` on
Windows, a self-healing lock file where neither exists), so facebuild itself imports
nothing POSIX-only and starts on Windows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


class LockBusy(Exception):
    """Raised by ``held(..., wait=False)`` when another process holds the lock; ``holder``
    is the pid it recorded (or ``None`` when it recorded none)."""

    def __init__(self, path: Path, holder: str | None) -> None:
        self.path = path
        self.holder = holder
        super().__init__(f"{path.name} is held by {holder or 'another process'}")


@contextmanager
def held(path: Path, *, wait: bool = True, record_owner: bool = False) -> Iterator[None]:
    """Hold the lock file ``path`` for the ``with`` block. ``wait=False`` raises
    ``LockBusy`` at once when another process holds it. ``record_owner`` writes this
    process's pid beside the lock (``<name>.owner``), for the message the next one shows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=-1 if wait else 0)
    owner = path.with_name(path.name + ".owner")
    try:
        lock.acquire()
    except Timeout:
        raise LockBusy(path, _read_owner(owner)) from None
    try:
        if record_owner:
            owner.write_text(str(os.getpid()), encoding="ascii")
        yield
    finally:
        if record_owner:
            owner.unlink(missing_ok=True)
        lock.release()


def _read_owner(owner: Path) -> str | None:
    try:
        with open(owner, "rb") as handle:
            text = handle.read(20).decode("ascii", errors="replace").strip()
    except OSError:
        return None
    return f"pid {text}" if text.isdigit() else None
