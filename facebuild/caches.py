"""Where the library keeps renders between calls. ``FileCache`` is the build's store;
the others are for pipelines that want no files. ``as_render_store`` also takes a cache
written for the earlier ai_facegen library (``make_key``/``get``/``put``)."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from facebuild.errors import CacheError, FacebuildError
from facebuild.render import RenderStore
from facebuild.result import PortraitResult
from facebuild.store import Store


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "facebuild" / "store"


class _KeyLocks:
    """One lock per render key, so two threads never pay for the same render."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            yield


class FileCache(Store):
    """Renders on disk, content-addressed, shared safely between processes."""

    def __init__(self, directory: str | Path | None = None) -> None:
        super().__init__(Path(directory) if directory is not None else default_cache_dir())

    def clear(self) -> None:
        """Remove every stored render (only the store's own files)."""
        for key in list(self.keys()):
            self.remove(key)


class MemoryCache(_KeyLocks):
    """The most recent ``max_size`` renders, in memory."""

    def __init__(self, max_size: int = 256) -> None:
        super().__init__()
        self.max_size = max_size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._items_lock = threading.Lock()

    def has(self, key: str) -> bool:
        with self._items_lock:
            return key in self._items

    def get(self, key: str) -> bytes:
        with self._items_lock:
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, data: bytes) -> None:
        with self._items_lock:
            self._items[key] = data
            self._items.move_to_end(key)
            while len(self._items) > self.max_size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._items_lock:
            self._items.clear()


class NoOpCache:
    """Keeps nothing: every call generates."""

    def has(self, key: str) -> bool:
        return False

    def get(self, key: str) -> bytes:
        raise KeyError(key)

    def put(self, key: str, data: bytes) -> None:
        return None

    def clear(self) -> None:
        return None

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        yield


class ResultCacheStore(_KeyLocks):
    """Renders kept in an ai_facegen-style cache: any object with ``make_key(prompt=,
    negative=, model=, size=, seed=)``, ``get(key)`` (a result or None) and ``put(key,
    result)``. The render key goes in as the prompt, so its keys stay the cache's own."""

    def __init__(self, cache: Any) -> None:
        super().__init__()
        self.cache = cache

    def _key(self, key: str) -> Any:
        return self.cache.make_key(prompt=key, negative="", model="facebuild-render", size=0,
                                   seed=None)

    def _find(self, key: str) -> bytes | None:
        found = self.cache.get(self._key(key))
        data = getattr(found, "png_bytes", None)
        return bytes(data) if isinstance(data, bytes | bytearray) else None

    def has(self, key: str) -> bool:
        return self._find(key) is not None

    def get(self, key: str) -> bytes:
        data = self._find(key)
        if data is None:
            raise KeyError(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        self.cache.put(self._key(key), PortraitResult(name=key, png_bytes=data))

    def clear(self) -> None:
        self.cache.clear()


class CheckedStore:
    """A render store whose failures (a folder that is a file, a full disk, a cache
    object that raises) become one ``CacheError``."""

    def __init__(self, inner: RenderStore, where: str) -> None:
        self.inner = inner
        self.where = where

    def _fail(self, exc: Exception) -> CacheError:
        return CacheError(f"the cache ({self.where}) failed: {type(exc).__name__}: {exc}")

    def has(self, key: str) -> bool:
        try:
            return self.inner.has(key)
        except FacebuildError:
            raise
        except Exception as exc:  # noqa: BLE001 - a user's cache object may raise anything
            raise self._fail(exc) from exc

    def get(self, key: str) -> bytes:
        try:
            return self.inner.get(key)
        except FacebuildError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from exc

    def put(self, key: str, data: bytes) -> None:
        try:
            self.inner.put(key, data)
        except FacebuildError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from exc

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        try:
            context: Any = self.inner.exclusive(key)
            context.__enter__()
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from exc
        try:
            yield
        finally:
            context.__exit__(None, None, None)


def as_render_store(value: Any) -> RenderStore:
    """What ``PortraitClient(cache=...)`` or ``store=`` accepts: a folder, None (no caching),
    one of the caches above, an object with the store's methods, or an ai_facegen cache."""
    if value is None:
        return NoOpCache()
    if isinstance(value, str | Path):
        return CheckedStore(FileCache(value), str(value))
    if isinstance(value, FileCache):
        return CheckedStore(value, str(value.root))
    if isinstance(value, MemoryCache | NoOpCache):
        return value
    if all(hasattr(value, name) for name in ("has", "get", "put", "exclusive")):
        return CheckedStore(value, type(value).__name__)
    if all(hasattr(value, name) for name in ("make_key", "get", "put")):
        return CheckedStore(ResultCacheStore(value), type(value).__name__)
    raise CacheError(f"cache must be a folder, None, FileCache, MemoryCache, NoOpCache or an "
                     f"object with make_key/get/put, got {type(value).__name__}")
