"""Content-addressed raw renders: ``<root>/<key[:2]>/<key>.png``, and beside each the
sha256 of its bytes recorded when it was stored (``<key>.sha256``).

A render is stored the moment it arrives, so a build that is killed never pays for it
again, and reverting a change costs nothing. Safe to share between builds: before paying
for a render, a builder checks, takes the key's lock, and checks again. Every read is
verified against the recorded digest: a truncated or replaced object is discarded (with a
warning) and counts as missing, so it is rendered again instead of being used.

Only names of the exact form ``<2 hex>/<64 hex>.png`` are objects: any other file in the
folder (``store: .`` puts the store among the user's own files) is never read or removed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from facebuild.atomic import write_atomic
from facebuild.locking import held
from facebuild.rendercheck import BadRender, check_render

_README = """\
This folder is facebuild's store of raw renders, named by render key (the sha256 of
everything that decides the pixels); beside each, <key>.sha256 is the digest of its bytes
recorded when it was stored. Any file here can be deleted; facebuild renders it again when
needed. `facebuild gc` removes the renders no lock refers to.
"""

KEY = re.compile(r"[0-9a-f]{64}\Z")
_SHARD = re.compile(r"[0-9a-f]{2}\Z")

BadObjectHandler = Callable[[str, str], None]
"""Told about a stored object that failed verification: (render key, what was wrong)."""


def _log_bad(key: str, problem: str) -> None:
    logging.getLogger("facebuild.store").warning("stored render %s: %s", key[:12], problem)


class BadObject(KeyError):
    """Raised by ``Store.get`` for an object that failed verification (it was discarded);
    a ``KeyError``, as for a missing object."""


class Store:
    def __init__(self, root: Path, *, on_bad: BadObjectHandler | None = None) -> None:
        self.root = root
        self.on_bad = on_bad or _log_bad
        self._verified: dict[str, tuple[int, int]] = {}  # key -> (size, mtime_ns) seen good
        self._mutex = threading.Lock()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.png"

    def digest_path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.sha256"

    def has(self, key: str) -> bool:
        """Whether a verified object is stored under ``key`` (a bad one is discarded)."""
        if not KEY.match(key):
            return False
        try:
            stat = os.stat(self.path(key))
        except OSError:
            return False
        with self._mutex:
            if self._verified.get(key) == (stat.st_size, stat.st_mtime_ns):
                return True
        try:
            self.get(key)
        except KeyError:
            return False
        return True

    def get(self, key: str) -> bytes:
        """The object's bytes, verified; ``KeyError`` when missing, ``BadObject`` (and the
        object discarded) when its bytes are not the ones recorded when it was stored."""
        if not KEY.match(key):
            raise KeyError(key)
        path = self.path(key)
        try:
            data = path.read_bytes()
            stat = os.stat(path)
        except OSError:
            raise KeyError(key) from None
        problem = self._problem(key, data)
        if problem is not None:
            self.discard(key)
            self.on_bad(key, f"{problem}; discarded, it is rendered again when needed")
            raise BadObject(key)
        with self._mutex:
            self._verified[key] = (stat.st_size, stat.st_mtime_ns)
        return data

    def recorded_digest(self, key: str) -> str | None:
        try:
            with open(self.digest_path(key), "rb") as handle:
                text = handle.read(80).decode("ascii", errors="replace")
        except OSError:
            return None
        return text.strip() or None

    def verdict(self, key: str) -> str:
        """What a look at the object finds, changing nothing (for ``facebuild explain``)."""
        try:
            data = self.path(key).read_bytes() if KEY.match(key) else None
        except OSError:
            data = None
        if data is None:
            return "not in the store"
        recorded = self.recorded_digest(key)
        if recorded is None:
            return "in the store, with no recorded sha256 (stored by an older facebuild)"
        if hashlib.sha256(data).hexdigest() != recorded:
            return "in the store, but NOT the bytes stored for this key (truncated or replaced)"
        return "in the store, verified"

    def _problem(self, key: str, data: bytes) -> str | None:
        recorded = self.recorded_digest(key)
        if recorded is None:  # stored before digests were recorded: trust a whole image once
            try:
                check_render(data)
            except BadRender as exc:
                return f"is not one whole image ({exc.message})"
            write_atomic(self.digest_path(key), _digest_line(data))
            return None
        if hashlib.sha256(data).hexdigest() != recorded:
            return "does not match the sha256 recorded when it was stored (truncated or replaced)"
        return None

    def put(self, key: str, data: bytes, *, durable: bool = True) -> None:
        """Store a render (checked first: one complete PNG within the size caps).
        ``durable=False`` skips the fsync, for a copy that can be fetched again."""
        if not KEY.match(key):
            raise ValueError(f"not a render key: {key[:80]!r}")
        check_render(data)
        if not (self.root / "README").exists():
            write_atomic(self.root / "README", _README.encode())
        write_atomic(self.digest_path(key), _digest_line(data), durable=durable)
        write_atomic(self.path(key), data, durable=durable)
        stat = os.stat(self.path(key))
        with self._mutex:
            self._verified[key] = (stat.st_size, stat.st_mtime_ns)

    def missing(self, keys: Iterable[str]) -> set[str]:
        """The keys with no good object here."""
        return {key for key in keys if not self.has(key)}

    def prefetch(self, keys: Iterable[str]) -> None:
        """Nothing to fetch: every object of a local store is already here."""

    def discard(self, key: str) -> None:
        with self._mutex:
            self._verified.pop(key, None)
        if KEY.match(key):
            self.path(key).unlink(missing_ok=True)
            self.digest_path(key).unlink(missing_ok=True)
            self.path(key).with_suffix(".unsent").unlink(missing_ok=True)  # see shared_store

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        """Hold the lock of one render key (another process may be rendering it)."""
        with held(self.root / "locks" / f"{key[:64]}.lock"):
            yield

    def keys(self) -> Iterator[str]:
        """The keys of the objects in the store: only ``<2 hex>/<64 hex>.png`` files."""
        if not self.root.is_dir():
            return
        for shard in sorted(self.root.iterdir()):
            if not (_SHARD.match(shard.name) and shard.is_dir()):
                continue
            for file in sorted(shard.glob("*.png")):
                key = file.name[:-4]
                if KEY.match(key) and key[:2] == shard.name and file.is_file():
                    yield key

    def size(self, key: str) -> int:
        try:
            return os.stat(self.path(key)).st_size if KEY.match(key) else 0
        except OSError:
            return 0

    def remove(self, key: str) -> int:
        """Delete one render and its digest; returns the bytes freed."""
        size = self.size(key)
        self.discard(key)
        return size


def _digest_line(data: bytes) -> bytes:
    return (hashlib.sha256(data).hexdigest() + "\n").encode("ascii")
