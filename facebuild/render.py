"""The one render runner: the builder, ``PortraitClient`` and ``diff --render`` all get their
renders here.

Store first: a render already stored costs nothing, and each render is stored the moment it
arrives, so a killed build resumes without paying twice. Renders run concurrently within a
worker count, in dependency order: a render generated from another (a reference edge) starts
once that one is done, while independent branches go on. Finished work is reported through a
completion queue, so the loop costs the same per render however many are pending.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import NamedTuple, Protocol

from facebuild.backends import Backend, ProgressCallback, RenderRequest
from facebuild.errors import BackendError
from facebuild.references import MAX_REFERENCE_BYTES
from facebuild.rendercheck import accept_render

log = logging.getLogger(__name__)


class RenderStore(Protocol):
    """Where renders are kept by render key: ``facebuild.store.Store`` on disk, the shared
    store, or one of the library's caches."""

    def has(self, key: str) -> bool: ...
    def get(self, key: str) -> bytes: ...
    def put(self, key: str, data: bytes) -> None: ...
    def exclusive(self, key: str) -> object: ...


class RenderOutcome(NamedTuple):
    """One finished job: its bytes, or the error that stopped it."""

    key: str
    request: RenderRequest
    data: bytes | None = None
    generated: bool = False
    error: Exception | None = None
    seconds: float = 0.0


OnRender = Callable[[RenderOutcome], None]
"""Called in the worker thread as each job finishes (the builder derives outputs there)."""


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
        data = accept_render(backend.generate(with_reference(request, store), progress))
        store.put(key, data)
        return data, True


def with_reference(request: RenderRequest, store: RenderStore) -> RenderRequest:
    """``request`` with its reference image read: the referenced render from the store, or
    the file, which must still be the one planned (its sha256 is in the render key)."""
    ref = request.reference
    if ref is None or ref.image is not None:
        return request
    if ref.path is not None:
        try:
            with ref.path.open("rb") as handle:
                image = handle.read(MAX_REFERENCE_BYTES + 1)
        except OSError as exc:
            raise BackendError(f"cannot read reference file {ref.path.name}: "
                               f"{exc.strerror or exc}") from None
        if hashlib.sha256(image).hexdigest() != ref.digest:
            raise BackendError(f"reference file {ref.path.name} changed since the build was "
                               "planned; run the build again")
    else:
        found = _stored(store, ref.digest)
        if found is None:
            raise BackendError(f"its reference render {ref.digest[:12]} is not in the store "
                               "(it failed, or was not built): build the referenced target first")
        image = found
    return replace(request, reference=replace(ref, image=image))


def needed(wanted: Iterable[str], every: Mapping[str, RenderRequest],
           stored: Callable[[str], bool]) -> dict[str, RenderRequest]:
    """The renders to generate for ``wanted``: those not stored, and the missing renders
    they are generated from, down every reference chain."""
    found: dict[str, RenderRequest] = {}
    todo = [key for key in wanted if not stored(key)]
    while todo:
        key = todo.pop()
        if key in found or key not in every:
            continue
        found[key] = every[key]
        ref = every[key].reference
        if ref is not None and ref.path is None and ref.digest not in found and not stored(ref.digest):
            todo.append(ref.digest)
    return found


def run_renders(backend: Backend, store: RenderStore, jobs: Mapping[str, RenderRequest], *,
                workers: int, on_render: OnRender,
                progress: Callable[[RenderRequest], ProgressCallback | None] | None = None,
                ) -> list[tuple[str, BaseException]]:
    """Obtain every render of ``jobs`` (render key -> request), a job after the job whose
    render it references, ``workers`` at a time; ``on_render`` sees each outcome as it
    arrives. Returns the jobs whose ``on_render`` raised (a bug), with the exception. On
    Ctrl-C the backend is told to cancel, queued jobs are dropped, and the interrupt goes on."""
    waiting: dict[str, list[str]] = {}
    ready: list[str] = []
    for key, request in jobs.items():
        ref = request.reference
        dep = ref.digest if ref is not None and ref.path is None else None
        if dep is not None and dep in jobs and dep != key:
            waiting.setdefault(dep, []).append(key)
        else:
            ready.append(key)
    finished: queue.SimpleQueue[tuple[str, BaseException | None]] = queue.SimpleQueue()
    bugs: list[tuple[str, BaseException]] = []

    def job(key: str) -> None:
        bug: BaseException | None = None
        try:
            on_render(_attempt(backend, store, key, jobs[key], progress))
        except BaseException as exc:  # noqa: BLE001 (reported to the caller, never lost)
            bug = exc
        finally:
            finished.put((key, bug))

    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="facebuild")
    try:
        for key in ready:
            pool.submit(job, key)
        for _ in range(len(jobs)):
            key, bug = _next(finished)
            if bug is not None:
                bugs.append((key, bug))
            for dependant in waiting.pop(key, ()):
                pool.submit(job, dependant)
    except KeyboardInterrupt:
        backend.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return bugs


def _next(finished: queue.SimpleQueue[tuple[str, BaseException | None]]
          ) -> tuple[str, BaseException | None]:
    """The next finished job; waits in short slices so that Ctrl-C is seen at once."""
    while True:
        try:
            return finished.get(timeout=0.2)
        except queue.Empty:
            continue


def _attempt(backend: Backend, store: RenderStore, key: str, request: RenderRequest,
             progress: Callable[[RenderRequest], ProgressCallback | None] | None) -> RenderOutcome:
    started = time.monotonic()
    try:
        data, generated = obtain_render(backend, store, key, request,
                                        progress(request) if progress else None)
    except Exception as exc:  # a failed render fails its targets; the others go on
        log.info("render %s (%s): failed (%s)", request.label, key[:12], type(exc).__name__)
        return RenderOutcome(key, request, error=exc, seconds=time.monotonic() - started)
    seconds = time.monotonic() - started
    log.info("render %s (%s): %s in %.2f s", request.label, key[:12],
             "generated" if generated else "from the store", seconds)
    return RenderOutcome(key, request, data, generated, seconds=seconds)


def _stored(store: RenderStore, key: str) -> bytes | None:
    """The stored render, or None when it is missing or failed verification (a store
    discards and reports a bad object itself and raises ``KeyError``)."""
    if not store.has(key):
        return None
    try:
        return store.get(key)
    except KeyError:
        return None
