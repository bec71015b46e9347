"""Drop stored renders that no lock of the given casts refers to, as ``facebuild gc`` does.

gc holds the build lock of every cast it is given, as a build does, so it never runs
during a build of one of them (whose new lock may refer to renders the old one does not).
Only objects (``<2 hex>/<64 hex>.png``) are touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from facebuild.cast import Cast
from facebuild.dist import build_lock, read_cast_lock
from facebuild.errors import UsageError
from facebuild.store import Store
from facebuild.storeplace import ENDPOINT_ENV, is_remote, local_root, store_location


@dataclass(frozen=True)
class Collected:
    """One store's garbage: renders dropped (or that would be) and the bytes they hold."""

    store: str
    dropped: int
    bytes: int


def gc(casts: Sequence[Cast], *, store: str | None = None, dry_run: bool = False) -> list[Collected]:
    """Collect each local store that ``casts`` use (``store`` overrides theirs, as
    ``--store``), keeping every render one of their locks refers to."""
    with _locked(casts):
        keep: dict[Path, set[str]] = {}
        for cast in casts:
            keep.setdefault(local_root(cast, store).resolve(), set()).update(referenced(cast))
        results: list[Collected] = []
        for root, keys in keep.items():
            objects = Store(root)
            freed = dropped = 0
            for key in list(objects.keys()):
                if key not in keys:
                    dropped += 1
                    freed += objects.size(key) if dry_run else objects.remove(key)
            results.append(Collected(str(root), dropped, freed))
    return results


def gc_remote(casts: Sequence[Cast], *, store: str | None = None,
              delete: bool = False) -> list[Collected]:
    """The shared S3 store's objects that no lock among ``casts`` refers to: counted, and
    deleted when ``delete``."""
    from facebuild.remote_store import S3Objects

    with _locked(casts):
        keep: dict[str, set[str]] = {}
        for cast in casts:
            location = store_location(cast, store)
            if not is_remote(location):
                raise UsageError(f"gc --remote: {cast.path} has no shared store (give --store "
                                 "s3://bucket/prefix, set FACEBUILD_STORE, or store: in the cast)")
            assert location is not None
            keep.setdefault(location.rstrip("/"), set()).update(referenced(cast))
        results: list[Collected] = []
        for url, keys in keep.items():
            remote = S3Objects.from_url(url, os.environ.get(ENDPOINT_ENV))
            unused = [(key, size) for key, size in remote.objects() if key not in keys]
            for key, _ in unused if delete else ():
                remote.delete(key)
            results.append(Collected(url, len(unused), sum(size for _, size in unused)))
    return results


def referenced(cast: Cast) -> set[str]:
    """The render keys the cast's lock refers to."""
    return {str(entry.render_key) for entry in read_cast_lock(cast).entries.values()}


@contextmanager
def _locked(casts: Sequence[Cast]) -> Iterator[None]:
    with ExitStack() as stack:
        for cast in casts:
            stack.enter_context(build_lock(cast))
        yield
