"""Where the library keeps renders between calls. ``FileCache`` is the build's store;
the others are for pipelines that want no files."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from facebuild.store import Store


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "facebuild" / "store"


class FileCache(Store):
    """Renders on disk, content-addressed, shared safely between processes."""

    def __init__(self, directory: str | Path | None = None) -> None:
        super().__init__(Path(directory) if directory is not None else default_cache_dir())


class MemoryCache:
    """The most recent ``max_size`` renders, in memory."""

    def __init__(self, max_size: int = 256) -> None:
        self.max_size = max_size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def has(self, key: str) -> bool:
        with self._lock:
            return key in self._items

    def get(self, key: str) -> bytes:
        with self._lock:
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            self._items[key] = data
            self._items.move_to_end(key)
            while len(self._items) > self.max_size:
                self._items.popitem(last=False)

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            yield


class NoOpCache:
    """Keeps nothing: every call generates."""

    def has(self, key: str) -> bool:
        return False

    def get(self, key: str) -> bytes:
        raise KeyError(key)

    def put(self, key: str, data: bytes) -> None:
        return None

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        yield
