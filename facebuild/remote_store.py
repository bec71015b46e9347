"""The objects of a shared store on S3 (or MinIO, R2, Ceph: anything speaking the S3 API),
through boto3 and the standard AWS credential chain.

Layout under ``s3://bucket/prefix``: ``<key[:2]>/<key>.png`` for renders, each carrying the
sha256 of its bytes in its metadata (``x-amz-meta-sha256``), and ``claims/<key>`` while a
machine is rendering that key. Every write is conditional, so no machine overwrites
another's object. Every answer is untrusted: sizes are capped and the caller verifies.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from facebuild.errors import FacebuildError
from facebuild.rendercheck import MAX_RENDER_BYTES
from facebuild.store import KEY

CLAIM_SECONDS_ENV = "FACEBUILD_STORE_CLAIM_SECONDS"
DEFAULT_CLAIM_SECONDS = 900.0
"""How long a claim holds when its machine never finishes (killed, cut off): after it,
another machine may take the render over."""

_OBJECT = re.compile(r"(?:.*/)?([0-9a-f]{2})/([0-9a-f]{64})\.png\Z")


class StoreError(FacebuildError):
    """Raised by the shared store when S3 cannot be reached or refuses a request; fails
    only the targets whose renders needed it."""


class S3Objects:
    """Renders and claims in one bucket and prefix. Methods raise ``StoreError`` for a
    network failure or a refusal, never a botocore exception."""

    def __init__(self, make_client: Callable[[], Any], bucket: str, prefix: str, url: str) -> None:
        self._make_client = make_client
        self._client: Any = None
        self._client_lock = threading.Lock()
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = url
        self.claim_seconds = float(os.environ.get(CLAIM_SECONDS_ENV, DEFAULT_CLAIM_SECONDS))

    @classmethod
    def from_url(cls, url: str, endpoint_url: str | None = None) -> S3Objects:
        """``s3://bucket/prefix``; ``endpoint_url`` for an S3-compatible service (else
        boto3's own settings: ``AWS_ENDPOINT_URL_S3``, ``~/.aws/config``)."""
        rest = url[len("s3://"):]
        bucket, _, prefix = rest.partition("/")
        if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]", bucket):
            raise StoreError(f"store {url!r}: not a valid S3 bucket name; write "
                             "s3://bucket/prefix")

        def make_client() -> Any:
            boto3: Any = importlib.import_module("boto3")
            config_cls: Any = importlib.import_module("botocore.config").Config
            config = config_cls(retries={"max_attempts": 3, "mode": "standard"},
                                connect_timeout=5, read_timeout=60, max_pool_connections=32)
            return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None,
                                                  config=config)

        return cls(make_client, bucket, prefix, url.rstrip("/"))

    @property
    def client(self) -> Any:
        """The boto3 client, made on first use: a build with nothing to fetch or render
        never imports boto3."""
        with self._client_lock:
            if self._client is None:
                with self._errors("connect"):
                    self._client = self._make_client()
            return self._client

    def name(self, key: str) -> str:
        assert KEY.match(key)
        return f"{self.prefix}/{key[:2]}/{key}.png" if self.prefix else f"{key[:2]}/{key}.png"

    def _claim_name(self, key: str) -> str:
        assert KEY.match(key)
        return f"{self.prefix}/claims/{key}" if self.prefix else f"claims/{key}"

    def fetch(self, key: str) -> tuple[bytes, str, str] | None:
        """(bytes, recorded sha256, etag) of an object, or None when there is none.
        An object over the size cap is returned empty, so that it fails verification."""
        with self._errors(f"fetch render {key[:12]}"):
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self.name(key))
            except self._client_error() as exc:
                if _status(exc) == 404:
                    return None
                raise
            body = answer["Body"]
            try:
                if int(answer.get("ContentLength") or 0) > MAX_RENDER_BYTES:
                    return b"", "", str(answer.get("ETag", ""))
                data = body.read(MAX_RENDER_BYTES + 1)
            finally:
                body.close()
            sha = str((answer.get("Metadata") or {}).get("sha256", ""))[:64]
            return data, sha, str(answer.get("ETag", ""))

    def exists(self, key: str) -> bool:
        with self._errors(f"look up render {key[:12]}"):
            try:
                self.client.head_object(Bucket=self.bucket, Key=self.name(key))
            except self._client_error() as exc:
                if _status(exc) == 404:
                    return False
                raise
            return True

    def put_new(self, key: str, data: bytes, sha256: str, replacing: str | None = None) -> bool:
        """Upload a render unless an object is already there (``If-None-Match: *``), or in
        place of exactly the object with ETag ``replacing`` (``If-Match``). False when the
        condition failed: another machine stored it first."""
        condition = {"IfMatch": replacing} if replacing else {"IfNoneMatch": "*"}
        return self._put(self.name(key), data, {"sha256": sha256}, condition,
                         f"upload render {key[:12]}")

    def claim(self, key: str) -> bool:
        """Try to become the machine that renders ``key``: a conditional put of a claim
        object. A claim older than ``claim_seconds`` (by the server's clock) is taken over,
        again conditionally, so that of several waiting machines one wins."""
        name = self._claim_name(key)
        body = json.dumps({"claimed_for_seconds": self.claim_seconds}).encode()  # no host name
        if self._put(name, body, {}, {"IfNoneMatch": "*"}, f"claim render {key[:12]}"):
            return True
        with self._errors(f"read the claim on render {key[:12]}"):
            try:
                answer = self.client.head_object(Bucket=self.bucket, Key=name)
            except self._client_error() as exc:
                if _status(exc) == 404:  # released meanwhile: try again next round
                    return False
                raise
        if _age(answer) <= self.claim_seconds:
            return False
        return self._put(name, body, {}, {"IfMatch": str(answer["ETag"])},
                         f"take over the claim on render {key[:12]}")

    def release(self, key: str) -> None:
        with self._errors(f"release the claim on render {key[:12]}"):
            self.client.delete_object(Bucket=self.bucket, Key=self._claim_name(key))

    def objects(self) -> Iterator[tuple[str, int]]:
        """(render key, size) of every render under the prefix."""
        paginator = self.client.get_paginator("list_objects_v2")
        start = f"{self.prefix}/" if self.prefix else ""
        with self._errors("list the renders"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", []):
                    match = _OBJECT.match(str(item["Key"])[len(start):])
                    if match and match.group(2)[:2] == match.group(1):
                        yield match.group(2), int(item.get("Size", 0))

    def delete(self, key: str) -> None:
        with self._errors(f"delete render {key[:12]}"):
            self.client.delete_object(Bucket=self.bucket, Key=self.name(key))

    def _put(self, name: str, data: bytes, metadata: dict[str, str],
             condition: dict[str, str], doing: str) -> bool:
        with self._errors(doing):
            try:
                self.client.put_object(Bucket=self.bucket, Key=name, Body=data,
                                       Metadata=metadata, **condition)
            except self._client_error() as exc:
                if _status(exc) in (409, 412):  # the condition failed, or a concurrent write
                    return False
                raise
            return True

    def _client_error(self) -> type[Exception]:
        return _exceptions().ClientError  # type: ignore[no-any-return]

    def _errors(self, doing: str) -> _ErrorMap:
        return _ErrorMap(f"shared store {self.url}: cannot {doing}")


class _ErrorMap:
    """Turns every botocore failure into one ``StoreError`` line (no endpoint, no keys)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if exc is None or isinstance(exc, StoreError):
            return
        exceptions = _exceptions()
        if isinstance(exc, exceptions.ClientError):
            error = exc.response.get("Error", {})
            reason = f"{error.get('Code', 'error')} (HTTP {_status(exc)})"
        elif isinstance(exc, exceptions.BotoCoreError | OSError):
            reason = type(exc).__name__
            if "Credentials" in reason:
                reason = "no AWS credentials found (set a profile, AWS_* variables or SSO)"
        else:
            return
        raise StoreError(f"{self.prefix}: {reason}") from exc


def _exceptions() -> Any:
    return importlib.import_module("botocore.exceptions")


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def _age(answer: dict[str, Any]) -> float:
    """Seconds since the object was written, by the server's clock when it says the time."""
    modified = answer.get("LastModified")
    if not isinstance(modified, datetime):
        return 0.0
    date = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    try:
        now = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        now = None
    if now is None:
        return time.time() - modified.timestamp()
    return (now - modified).total_seconds()
