"""A small driver for headless Chromium over the DevTools protocol, for testing the pages
facebuild writes in a real browser, plus a loopback HTTP server to serve them from.

Without a Chromium on the machine, ``start_browser`` skips the test and says why:
a browser test is never silently passed.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import websocket

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

SCROLL_AND_WAIT = """(async () => {
  const step = Math.max(200, innerHeight / 2);
  for (let y = 0; y <= document.documentElement.scrollHeight; y += step) {
    scrollTo(0, y); await new Promise(r => setTimeout(r, 30));
  }
  scrollTo(0, 0);
  const pending = Array.from(document.images).filter(i => !i.complete)
    .map(i => new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); }));
  await Promise.race([Promise.all(pending), new Promise(r => setTimeout(r, 15000))]);
  return Array.from(document.images).map(i => [i.getAttribute('src').slice(0, 80), i.naturalWidth]);
})()"""


def chromium_path() -> str | None:
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


class Page:
    """One tab, driven over its DevTools websocket."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self._next = 0
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        self.ws.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("method") in ("Page.loadEventFired", "Page.navigatedWithinDocument"):
                return
        raise TimeoutError(f"{url} did not load")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def images_loaded(self) -> list[tuple[str, int]]:
        """Scroll through the page (images are lazy), wait, and return each image's
        (src, naturalWidth)."""
        return [(src, width) for src, width in self.evaluate(SCROLL_AND_WAIT)]

    def type_into(self, selector: str, text: str) -> None:
        """Set an input's value and fire 'input', as typing does."""
        self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                      f" e.value = {json.dumps(text)};"
                      " e.dispatchEvent(new Event('input')); })()")

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", **params)["data"]))
        print(f"screenshot: {path}")
        return path


@contextmanager
def start_browser(tmp: Path, width: int = 1280, height: int = 1400) -> Iterator[Page]:
    binary = chromium_path()
    if binary is None:
        pytest.skip("chromium not installed: .ci/run installs Debian's chromium "
                    "(apt-get install chromium); the browser tests need it")
    profile = tmp / "chromium-profile"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "DevToolsActivePort").unlink(missing_ok=True)  # a previous run's port
    process = subprocess.Popen(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
         f"--window-size={width},{height}", "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = Page(_page_websocket(profile, process))
        try:
            yield page
        finally:
            page.ws.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _page_websocket(profile: Path, process: subprocess.Popen[bytes]) -> str:
    """Chromium writes its port to DevToolsActivePort; the first page is about:blank."""
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text().strip():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"chromium did not start (exit status {process.poll()})")
        time.sleep(0.05)
    port = port_file.read_text().split()[0]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
        targets = json.loads(answer.read())
    return str(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
