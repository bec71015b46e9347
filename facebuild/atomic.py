"""The one way facebuild writes a file: a temp file in the same folder, fsync, rename.
A process killed at any moment leaves the old file or the new one, never half of one.
``durable=True`` also fsyncs, for the few files that must survive a power cut (the lock);
the many outputs skip it, since a kill needs only the rename to be atomic."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


_FILE_MODE = 0o666 & ~_umask()
"""What ``open()`` would give a new file; mkstemp's 0600 would hide dist from web servers."""

TEMP_PREFIX = ".facebuild-tmp-"
"""Every temp file facebuild writes starts with this: the sweep after a killed build
removes these names and nothing else (a user's own ``*.tmp`` files are theirs)."""


def write_atomic(path: Path, data: bytes, *, durable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMP_PREFIX}{path.name}.")
    try:
        try:
            mode = os.stat(path).st_mode & 0o777  # keep a file's own mode
        except FileNotFoundError:
            mode = _FILE_MODE
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str, *, durable: bool = False) -> None:
    write_atomic(path, text.encode("utf-8"), durable=durable)


def write_text_if_changed(path: Path, text: str, *, durable: bool = False) -> bool:
    """Write ``text`` unless the file already holds it (so a no-op build touches nothing,
    and make-like tools see no new mtime). True if written. A file of another size is not
    read (see ``holds``)."""
    data = text.encode("utf-8")
    if holds(path, data):
        return False
    write_atomic(path, data, durable=durable)
    return True


def holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file of exactly ``data``: a link is never followed, and
    a file of another size is not read (dist is the user's; it may hold anything)."""
    try:
        status = path.lstat()
        return stat.S_ISREG(status.st_mode) and status.st_size == len(data) and path.read_bytes() == data
    except OSError:  # missing, or not readable
        return False
