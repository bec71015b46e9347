"""S3 over real HTTP on loopback: moto's server mode, for the shared store's tests."""

from __future__ import annotations

import contextlib
import itertools
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}
_names = itertools.count()


def start_server(port: int = 0) -> tuple[ThreadedMotoServer, str]:
    """A moto S3 server on loopback (a free port unless one is given) and its endpoint URL;
    the caller stops it (``stop``)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    return server, f"http://{host}:{bound}"


@contextmanager
def s3_server() -> Iterator[str]:
    """A moto S3 server on a free loopback port; yields its endpoint URL."""
    server, endpoint = start_server()
    try:
        yield endpoint
    finally:
        stop(server)


def stop(server: ThreadedMotoServer) -> None:
    """Stop and close the listening socket, so that connections are refused at once."""
    server.stop()
    inner = server._server  # noqa: SLF001 (moto keeps the socket open after stop())
    if inner is not None:
        inner.server_close()


def client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def new_bucket(endpoint: str) -> str:
    name = f"facebuild-test-{next(_names)}"
    client(endpoint).create_bucket(Bucket=name)
    return name


def objects(endpoint: str, bucket: str) -> dict[str, int]:
    listing = client(endpoint).list_objects_v2(Bucket=bucket)
    return {item["Key"]: item["Size"] for item in listing.get("Contents", [])}


class CuttingProxy:
    """A TCP proxy on loopback in front of the S3 server that lets a render upload (a PUT of
    a ``.png``) through only up to its headers and the first bytes of its body, then holds
    it: the upload is under way, for as long as the test wants, as on a slow link."""

    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.removeprefix("http://").partition(":")
        self.upstream = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.cut = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            threading.Thread(target=self._pipe, args=(upstream, downstream, False),
                             daemon=True).start()
            threading.Thread(target=self._pipe, args=(downstream, upstream, True),
                             daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, requests: bool) -> None:
        holding = False
        try:
            while data := source.recv(65536):
                if requests and re.match(rb"PUT \S+\.png HTTP", data):
                    head = data.find(b"\r\n\r\n")
                    data = data[: head + 4 + 64] if head >= 0 else data
                    holding = True
                    sink.sendall(data)
                    self.cut.set()
                    continue
                if not holding:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.close()
