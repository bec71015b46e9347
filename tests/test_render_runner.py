"""The one render runner (facebuild.render): store first, dependency order with independent
branches concurrent, a failed reference failing only its dependants; the builder,
``diff --render`` and ``PortraitClient`` all go through it. And the narrow backend seam: a
backend made from ``BackendBase`` needs only what is its own."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from facebuild.backends import (
    BackendBase,
    Capabilities,
    Reference,
    RenderRequest,
    register_backend,
)
from facebuild.cli import main
from facebuild.errors import BackendError
from facebuild.render import RenderOutcome, needed, run_renders
from facebuild.store import Store


def png(shade: int, size: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (shade % 256, 0, 0)).save(out, "PNG")
    return out.getvalue()


class Tiny(BackendBase):
    """A backend with nothing but its own parts: capabilities, identity, size, generate."""

    name = "tiny"

    def __init__(self, options: Any = None, base_dir: Path | None = None) -> None:
        self.mutex = threading.Lock()
        self.started: list[str] = []
        self.in_flight = self.peak = 0
        self.fail: set[str] = set()

    def capabilities(self) -> Capabilities:
        return Capabilities("tiny", "tiny-1", 400, 400, 0, 2**31, 0.0, 4, 16, 512)

    def identity(self, request: RenderRequest) -> dict[str, Any]:
        return {}

    def render_size(self, width: int, height: int) -> tuple[int, int]:
        return width, height

    def generate(self, request: RenderRequest, progress: Any = None) -> bytes:
        with self.mutex:
            self.started.append(request.label)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            time.sleep(0.03)
            if request.label in self.fail:
                raise BackendError("refused")
            return png(request.seed)
        finally:
            with self.mutex:
                self.in_flight -= 1


def chains(count: int, length: int) -> dict[str, RenderRequest]:
    """``count`` independent chains of ``length`` renders, each made from the one before."""
    jobs: dict[str, RenderRequest] = {}
    for chain in range(count):
        previous: str | None = None
        for step in range(length):
            key = f"{chain:02d}{step:02d}" + "0" * 60
            reference = Reference(previous) if previous else None
            jobs[key] = RenderRequest("p", "", chain * 10 + step, 32, 32,
                                      label=f"c{chain}/s{step}", reference=reference)
            previous = key
    return jobs


def test_dependency_order_with_independent_branches_concurrent(tmp_path: Path) -> None:
    backend, store = Tiny(), Store(tmp_path / "store")
    jobs = chains(6, 3)
    seen: list[RenderOutcome] = []
    bugs = run_renders(backend, store, jobs, workers=4, on_render=seen.append)
    assert bugs == [] and len(seen) == 18 and all(o.error is None and o.generated for o in seen)
    for chain in range(6):
        order = [backend.started.index(f"c{chain}/s{step}") for step in range(3)]
        assert order == sorted(order)
    assert backend.peak > 1  # independent chains ran side by side
    assert all(store.has(key) for key in jobs)  # each stored as it arrived
    again: list[RenderOutcome] = []
    run_renders(backend, store, jobs, workers=4, on_render=again.append)
    assert len(backend.started) == 18 and not any(o.generated for o in again)


def test_a_failed_reference_fails_its_dependants_and_nothing_else(tmp_path: Path) -> None:
    backend, store = Tiny(), Store(tmp_path / "store")
    backend.fail = {"c1/s0"}
    seen: dict[str, RenderOutcome] = {}
    run_renders(backend, store, chains(3, 3), workers=2,
                on_render=lambda outcome: seen.__setitem__(outcome.request.label, outcome))
    failed = sorted(label for label, outcome in seen.items() if outcome.error is not None)
    assert failed == ["c1/s0", "c1/s1", "c1/s2"]
    assert "reference" in str(seen["c1/s1"].error)
    assert "c1/s1" not in backend.started  # never paid for: its reference was missing


def test_a_bug_in_a_callback_is_returned_not_lost(tmp_path: Path) -> None:
    def explode(outcome: RenderOutcome) -> None:
        raise RuntimeError("bug")

    bugs = run_renders(Tiny(), Store(tmp_path / "store"), chains(2, 2), workers=2, on_render=explode)
    assert len(bugs) == 4 and all(isinstance(error, RuntimeError) for _, error in bugs)


def test_needed_follows_reference_chains_to_what_is_missing(tmp_path: Path) -> None:
    jobs = chains(1, 3)
    keys = list(jobs)
    store = Store(tmp_path / "store")
    store.put(keys[0], png(1))
    assert set(needed([keys[2]], jobs, store.has)) == {keys[1], keys[2]}
    assert needed([keys[0]], jobs, store.has) == {}


def test_many_pending_jobs_all_finish(tmp_path: Path) -> None:
    """Hundreds of jobs pending through the completion queue (no per-loop scan)."""
    store = Store(tmp_path / "store")
    jobs = {f"{i:064x}": RenderRequest("p", "", i, 16, 16, label=str(i)) for i in range(500)}
    for key in jobs:
        store.put(key, png(1, 16))
    seen: list[RenderOutcome] = []
    run_renders(Tiny(), store, jobs, workers=8, on_render=seen.append)
    assert len(seen) == 500 and not any(o.generated for o in seen)


@pytest.fixture
def tiny() -> None:
    register_backend("tiny", Tiny)


CAST = """\
version: 1
name: Seam
backend: {name: tiny}
variants:
  bust: {size: 64, frame: Head}
  full: {size: 96, frame: Full, reference: bust}
characters:
  - {id: a, name: A}
  - {id: b, name: B, description: DESCRIPTION}
"""


def test_a_backend_made_from_backendbase_builds_and_its_limits_are_checked(
        tmp_path: Path, tiny: None, capsys: pytest.CaptureFixture[str]) -> None:
    cast = tmp_path / "cast.yaml"
    cast.write_text(CAST.replace("DESCRIPTION", "short"))
    assert main(["build", str(cast), "-q"]) == 0
    with Image.open(tmp_path / "dist" / "a" / "full.png") as full:
        assert full.size == (96, 96)
    cast.write_text(CAST.replace("DESCRIPTION", "far too long " * 40))
    assert main(["build", str(cast)]) == 2
    err = capsys.readouterr().err
    assert "over the 400 limit of tiny-1" in err and "Traceback" not in err


def test_diff_render_renders_through_the_runner_in_reference_order(
        tmp_path: Path, tiny: None) -> None:
    cast = tmp_path / "cast.yaml"
    cast.write_text(CAST.replace("DESCRIPTION", "short"))
    assert main(["diff", str(cast), "--html", str(tmp_path / "review.html"), "--render"]) == 0
    page = (tmp_path / "review.html").read_text()
    assert page.count("data:image/png;base64,") == 4  # every new image shown
    assert "not built yet" not in page
    assert main(["build", str(cast), "-q"]) == 0  # the build pays for nothing twice
    import json

    lock = json.loads((tmp_path / "cast.lock").read_text())["targets"]
    assert lock["a/full"]["render"]["reference"]["render_key"] == lock["a/bust"]["render_key"]
