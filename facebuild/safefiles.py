"""Reading files facebuild made but cannot trust: its state in ``.facebuild/`` and the
site files in dist are anyone's to replace. A file is read only when it is a regular file
(never through a link, never blocked by a FIFO), and only as long as it says it is; and a
file's identity tells whether it is still the very file facebuild wrote or read.

Only the standard library: the no-op path reads its stamp through here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

FileIdentity = tuple[int, int, int, int, int]
"""(device, inode, size, mtime_ns, ctime_ns) of a regular file."""


def file_identity(status: os.stat_result) -> FileIdentity | None:
    """What changes when a file is written, even with its size and mtime put back: its
    ctime, which no one can set; None for anything but a regular file."""
    if not stat.S_ISREG(status.st_mode):
        return None
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def read_regular(path: Path, accept: Callable[[os.stat_result], bool]
                 ) -> tuple[bytes, os.stat_result] | None:
    """The bytes of the file at ``path`` (one more than its size at the most, to tell one that
    grew), and its status, when ``accept`` takes that status: never through a link, never
    blocked by a FIFO."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(handle.fileno())
            return (handle.read(status.st_size + 1), status) if accept(status) else None
    except OSError:
        return None


def read_bounded(path: Path, limit: int) -> bytes | None:
    """The bytes of the regular file at ``path`` when it holds at most ``limit``; else None
    (missing, a link, a FIFO, a sparse file of gigabytes)."""
    read = read_regular(path, lambda status: stat.S_ISREG(status.st_mode) and status.st_size <= limit)
    return read[0] if read is not None else None
