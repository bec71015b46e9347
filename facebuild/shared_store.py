"""A store shared by a team and its CI: renders on S3, with this machine's store folder as a
read-through and write-through cache in front.

- Reading: the local folder first (no network call at all when the render is there); else
  the remote object is fetched, verified against the sha256 it carries and checked as one
  whole image, and kept locally. A bad remote object is reported and never used.
- Writing: locally first (nothing paid for is lost), then a conditional upload
  (``If-None-Match: *``), so two machines never overwrite each other. An upload that fails
  fails its target and is retried by the next build that needs the render.
- Paying: before rendering a missing key, a machine claims it on S3 (a conditional put);
  another machine that needs the same key waits for the render instead of paying for it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress

from facebuild.remote_store import S3Objects, StoreError
from facebuild.rendercheck import BadRender
from facebuild.store import KEY, BadObjectHandler, Store, _log_bad

_UNSENT = ".unsent"


class SharedStore:
    def __init__(self, local: Store, remote: S3Objects, *,
                 on_bad: BadObjectHandler | None = None) -> None:
        self.local = local
        self.remote = remote
        self.on_bad = on_bad or _log_bad
        self.root = local.root
        self._unreachable: dict[str, str] = {}  # key -> why the remote could not be asked
        self._bad_remote: dict[str, str] = {}  # key -> ETag of a remote object that failed
        self._mutex = threading.Lock()

    def has(self, key: str) -> bool:
        """Whether the render is at hand (fetched now if only the remote has it). True also
        when the remote cannot be reached: ``get`` then fails that target, and nothing is
        paid for a render that may well exist."""
        if not KEY.match(key):
            return False
        if self.local.has(key):
            try:
                self._send_unsent(key)
            except StoreError:
                pass  # still marked: the render itself is here and good
            return True
        try:
            return self._fetch(key)
        except StoreError as exc:
            with self._mutex:
                self._unreachable[key] = str(exc)
            return True

    def get(self, key: str) -> bytes:
        with self._mutex:
            unreachable = self._unreachable.pop(key, None)
        if unreachable is not None and not self.local.has(key):
            raise StoreError(unreachable)
        if not self.local.has(key) and not self._fetch(key):
            raise KeyError(key)
        return self.local.get(key)

    def prefetch(self, keys: Iterable[str]) -> None:
        """Fetch the renders not yet here, many at once (a fresh clone needs them all)."""
        missing = [k for k in keys if KEY.match(k) and not self.local.path(k).is_file()]
        if missing:
            with ThreadPoolExecutor(max_workers=16, thread_name_prefix="facebuild-fetch") as pool:
                list(pool.map(self.has, missing))

    def missing(self, keys: Iterable[str]) -> set[str]:
        """The keys neither here nor on S3 (S3 is only asked whether it has them, in
        parallel; nothing is downloaded)."""
        absent = [k for k in keys if not self.local.has(k)]
        if not absent:
            return set()
        with ThreadPoolExecutor(max_workers=16, thread_name_prefix="facebuild-head") as pool:
            there = list(pool.map(self.remote.exists, absent))
        return {key for key, found in zip(absent, there, strict=True) if not found}

    def put(self, key: str, data: bytes) -> None:
        """Keep the render here, then upload it; ``StoreError`` when the upload failed
        (the render stays here, marked to be sent by the next build that needs it)."""
        self.local.put(key, data)
        self._upload(key, data)

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        """This machine's lock on the key, and the team's: a claim on S3. Waits while
        another machine holds the claim, until its render appears or the claim expires."""
        with self.local.exclusive(key):
            claimed = False
            poll = min(2.0, max(0.05, self.remote.claim_seconds / 20))
            while not self.local.has(key):
                if self.remote.claim(key):
                    if self.remote.exists(key):  # finished elsewhere before our claim
                        self.remote.release(key)
                    else:
                        claimed = True
                    break
                time.sleep(poll)
            try:
                yield
            finally:
                if claimed:
                    with suppress(StoreError):  # best effort: an unreleased claim expires
                        self.remote.release(key)

    def keys(self) -> Iterator[str]:
        return self.local.keys()

    def _fetch(self, key: str) -> bool:
        """Fetch, verify and keep one remote render; False when there is none or it is bad
        (a bad one is reported once, and not fetched again)."""
        with self._mutex:
            if key in self._bad_remote:
                return False
        found = self.remote.fetch(key)
        if found is None:
            return False
        data, recorded, etag = found
        problem = None
        if hashlib.sha256(data).hexdigest() != recorded:
            problem = "does not match the sha256 it carries"
        else:
            try:
                self.local.put(key, data, durable=False)  # checks it is one whole image
            except BadRender as exc:
                problem = f"is not one whole image ({exc.message})"
        if problem is not None:
            with self._mutex:
                self._bad_remote[key] = etag
            self.on_bad(key, f"in {self.remote.url} {problem}; ignored, it is rendered again")
            return False
        return True

    def _upload(self, key: str, data: bytes) -> None:
        marker = self.local.path(key).with_suffix(_UNSENT)
        sha = hashlib.sha256(data).hexdigest()
        with self._mutex:
            replacing = self._bad_remote.pop(key, None)
        try:
            self.remote.put_new(key, data, sha, replacing)
        except StoreError as exc:
            marker.touch()
            raise StoreError(f"{exc} (the render is kept on this machine and uploaded by the "
                             "next build that needs it)") from exc
        marker.unlink(missing_ok=True)

    def _send_unsent(self, key: str) -> None:
        marker = self.local.path(key).with_suffix(_UNSENT)
        if marker.exists():
            self._upload(key, self.local.get(key))
