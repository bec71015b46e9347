"""Content-addressed raw renders: ``<root>/<key[:2]>/<key>.png``.

A render is stored the moment it arrives, so a build that is killed never pays for it
again, and reverting a change costs nothing. Safe to share between builds: before paying
for a render, a builder checks, takes the key's lock, and checks again.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from facebuild.atomic import write_atomic

_README = """\
This folder is facebuild's store of raw renders, named by render key (the sha256 of
everything that decides the pixels). Any file here can be deleted; facebuild renders it
again when needed. `facebuild gc` removes the renders no lock refers to.
"""


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.png"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def put(self, key: str, data: bytes) -> None:
        if not (self.root / "README").exists():
            write_atomic(self.root / "README", _README.encode())
        write_atomic(self.path(key), data, durable=True)

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        """Hold the lock of one render key (another process may be rendering it)."""
        lock_dir = self.root / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        lock_path = lock_dir / f"{key}.lock"
        with open(lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        # best effort: another process may hold it open again; it recreates it
        lock_path.unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for shard in sorted(self.root.iterdir()):
            if shard.is_dir() and len(shard.name) == 2:
                for file in sorted(shard.glob("*.png")):
                    yield file.stem

    def remove(self, key: str) -> int:
        """Delete one render; returns the bytes freed."""
        path = self.path(key)
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            return 0
        path.unlink()
        return size
