"""Getting one render: from the store, or from the backend and into the store at once.
The builder and the library client share this one path."""

from __future__ import annotations

from typing import Protocol

from facebuild.backends import Backend, ProgressCallback, RenderRequest
from facebuild.rendercheck import accept_render


class RenderStore(Protocol):
    """Where renders are kept by render key: ``facebuild.store.Store`` on disk, the shared
    store, or one of the library's caches."""

    def has(self, key: str) -> bool: ...
    def get(self, key: str) -> bytes: ...
    def put(self, key: str, data: bytes) -> None: ...
    def exclusive(self, key: str) -> object: ...


def obtain_render(backend: Backend, store: RenderStore, key: str, request: RenderRequest,
                  progress: ProgressCallback | None = None) -> tuple[bytes, bool]:
    """(PNG bytes, whether it was generated now). Checks the store, takes the key's lock,
    checks again (another process may have finished the same render meanwhile), and only
    then pays for a generation, checking the answer (one complete image of a sane size)
    and storing it before returning it."""
    stored = _stored(store, key)
    if stored is not None:
        return stored, False
    with store.exclusive(key):  # type: ignore[attr-defined]
        stored = _stored(store, key)
        if stored is not None:
            return stored, False
        data = accept_render(backend.generate(request, progress))
        store.put(key, data)
        return data, True


def _stored(store: RenderStore, key: str) -> bytes | None:
    """The stored render, or None when it is missing or failed verification (a store
    discards and reports a bad object itself and raises ``KeyError``)."""
    if not store.has(key):
        return None
    try:
        return store.get(key)
    except KeyError:
        return None
