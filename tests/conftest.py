"""Shared fixtures. Every test runs in its own folder with HOME pointed there, so that
nothing a test does can touch the real home directory or the repository."""

from __future__ import annotations

import hashlib
import io
import json
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from facebuild.backends import BACKENDS, Capabilities, RenderRequest, register_backend
from facebuild.cli import main

if TYPE_CHECKING:
    from fake_comfyui import FakeComfyUI

    from facebuild.backends.comfyui import ComfyUIBackend

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "casts"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home" / ".cache"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask an instance for keys
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_SESSION_TOKEN", "FACEBUILD_CONFIRM_OVER", "FACEBUILD_STORE",
                 "FACEBUILD_STORE_ENDPOINT_URL", "FACEBUILD_STORE_CLAIM_SECONDS"):
        monkeypatch.delenv(name, raising=False)


class CountingBackend:
    """A stand-in image service: flat images whose colour depends on prompt and seed,
    a call counter, and failures on demand (a prompt containing FAIL)."""

    name = "counting"
    calls: list[RenderRequest] = []
    lock = threading.Lock()

    def __init__(self, options: Any, base_dir: Path) -> None:
        self.price = float(options.get("price", 0.0))
        self.model = str(options.get("model", "count-1"))

    def capabilities(self) -> Capabilities:
        return Capabilities("counting", self.model, 2000, 2000, 1, 2**31, self.price, 4, 16,
                            4096, paid=self.price > 0)

    def identity(self, request: RenderRequest) -> dict[str, Any]:
        return {"model": self.model}

    def render_size(self, width: int, height: int) -> tuple[int, int]:
        return (512, 512) if width == height else (width, height)

    def check(self, request: RenderRequest) -> list[str]:
        if len(request.prompt) > 2000:
            return [f"prompt is {len(request.prompt)} characters, over the 2000 limit"]
        return []

    def preflight(self) -> None: ...
    def cancel(self) -> None: ...
    def close(self) -> None: ...

    def generate(self, request: RenderRequest, progress: Any = None) -> bytes:
        with self.lock:
            CountingBackend.calls.append(request)
        if "FAIL" in request.prompt:
            from facebuild.errors import BackendError

            raise BackendError("the service refused this prompt")
        return flat_png(request.prompt, request.seed, request.width, request.height)


def flat_png(prompt: str, seed: int, width: int, height: int) -> bytes:
    colour = hashlib.sha256(f"{prompt}/{seed}".encode()).digest()[:3]
    image = Image.new("RGB", (width, height), tuple(colour))
    image.putpixel((0, 0), (255, 255, 255))  # a detail, so that crops are visible
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def counting() -> Iterator[type[CountingBackend]]:
    CountingBackend.calls = []
    register_backend("counting", CountingBackend)
    yield CountingBackend
    BACKENDS.pop("counting", None)


CAST = """\
version: 1
name: Test Cast
world:
  context: A harbour town.
  style: Cartoon, warm palette.
  negative: text, watermark
backend: {name: counting}
seed: 7
variants:
  bust: {size: 256, frame: Head and shoulders portrait}
  icon: {size: 64, from: bust}
  full: {size: [200, 400], frame: Full body, crop: top}
characters:
  - id: tessa-quark
    name: Tessa Quark
    role: Digger
    description: Optimistic mechanic with a grin and short hair.
  - id: bob
    name: Bob
    role: Cook
    description: Round cook with a beard.
"""


@pytest.fixture
def cast_file(tmp_path: Path, counting: type[CountingBackend]) -> Path:
    path = tmp_path / "cast.yaml"
    path.write_text(CAST)
    return path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``facebuild ARGS`` in-process: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def fakes() -> Iterator[Callable[..., FakeComfyUI]]:
    """Fake ComfyUI servers on loopback, started on demand and stopped after the test."""
    from fake_comfyui import FakeComfyUI

    started: list[FakeComfyUI] = []

    def make(**kwargs: Any) -> FakeComfyUI:
        fake = FakeComfyUI(**kwargs).start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop()


@pytest.fixture
def backends(tmp_path: Path) -> Iterator[Callable[..., ComfyUIBackend]]:
    """ComfyUI backends on the given server URLs, polling fast, closed after the test."""
    from facebuild.backends.comfyui import ComfyUIBackend

    made: list[ComfyUIBackend] = []

    def make(*urls: str, **options: Any) -> ComfyUIBackend:
        backend = ComfyUIBackend.from_options({"url": list(urls), "poll_interval": 0.05, **options},
                                              tmp_path)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


HEAVY = ("pydantic", "PIL", "jinja2", "yaml", "facebuild.cast", "facebuild.planner")


def build_importing(folder: Path, modules: tuple[str, ...] = HEAVY) -> tuple[list[str], str]:
    """Run ``facebuild build`` in a fresh interpreter in ``folder``: which of ``modules``
    it imported, and what it printed (a no-op must answer without loading the cast)."""
    import subprocess
    import sys

    code = ("import json, sys\nfrom facebuild.cli import main\nassert main(['build']) == 0\n"
            f"print(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True,
                         text=True, check=True).stdout
    *printed, imported = out.strip().splitlines()
    return json.loads(imported), "\n".join(printed)
