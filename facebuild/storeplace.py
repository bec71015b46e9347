"""Where a cast's renders live: a local folder, or a shared S3 store with the local folder as
its cache. Decided by ``--store``, then ``$FACEBUILD_STORE``, then the cast's ``store:``
key, then ``.facebuild/store`` beside the cast. Light: boto3 is imported only when a
shared store is actually opened."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from facebuild.errors import UsageError
from facebuild.store import BadObjectHandler, Store

if TYPE_CHECKING:
    from facebuild.cast import Cast
    from facebuild.shared_store import SharedStore

ENV = "FACEBUILD_STORE"
ENDPOINT_ENV = "FACEBUILD_STORE_ENDPOINT_URL"


def store_location(cast: Cast, override: str | None = None) -> str | None:
    """The store as the user gave it (``s3://bucket/prefix`` or a folder), or None for
    the default folder."""
    location = override or os.environ.get(ENV) or cast.spec.store
    return check_location(location) if location else None


def is_remote(location: str | None) -> bool:
    return bool(location) and str(location).lower().startswith("s3://")


def local_root(cast: Cast, override: str | None = None) -> Path:
    """The folder of renders: the store itself, or the cache in front of a shared one. A
    folder from the command line or the environment is relative to the current folder,
    one in the cast to the cast's folder."""
    location = store_location(cast, override)
    if location is None or is_remote(location):
        return cast.state_dir / "store"
    if override or os.environ.get(ENV):
        return Path(location)
    return cast.base_dir / location


def open_store(cast: Cast, override: str | None = None, *,
               on_bad: BadObjectHandler | None = None) -> Store | SharedStore:
    """The store a build of ``cast`` reads and writes."""
    location = store_location(cast, override)
    local = Store(local_root(cast, override), on_bad=on_bad)
    if not is_remote(location):
        return local
    from facebuild.remote_store import S3Objects
    from facebuild.shared_store import SharedStore

    assert location is not None
    return SharedStore(local, S3Objects.from_url(location, os.environ.get(ENDPOINT_ENV)),
                       on_bad=on_bad)


def check_location(location: str) -> str:
    """``location`` if it names a folder or an ``s3://bucket[/prefix]`` URL."""
    if "://" in location and not is_remote(location):
        raise UsageError(f"store {location!r}: only folders and s3://bucket/prefix URLs are "
                         "supported")
    return location
