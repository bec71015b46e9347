"""Getting one render: from the store, or from the backend and into the store at once.
The builder and the library client share this one path."""

from __future__ import annotations

from typing import Protocol

from facebuild import images
from facebuild.backends import Backend, ProgressCallback, RenderRequest


class RenderStore(Protocol):
    """Where renders are kept by render key: ``facebuild.store.Store`` on disk, or one
    of the library's caches."""

    def has(self, key: str) -> bool: ...
    def get(self, key: str) -> bytes: ...
    def put(self, key: str, data: bytes) -> None: ...
    def exclusive(self, key: str) -> object: ...


def obtain_render(backend: Backend, store: RenderStore, key: str, request: RenderRequest,
                  progress: ProgressCallback | None = None) -> tuple[bytes, bool]:
    """(PNG bytes, whether it was generated now). Checks the store, takes the key's lock,
    checks again (another process may have finished the same render meanwhile), and only
    then pays for a generation, storing the result before returning it."""
    if store.has(key):
        return store.get(key), False
    with store.exclusive(key):  # type: ignore[attr-defined]
        if store.has(key):
            return store.get(key), False
        data = images.normalize_render(backend.generate(request, progress))
        store.put(key, data)
        return data, True
