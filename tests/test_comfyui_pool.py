"""ComfyUI backend against several fake servers: spreading, failover, and a real build."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fake_comfyui import FakeComfyUI

from facebuild.backends.base import RenderRequest
from facebuild.backends.comfyui import ComfyUIBackend
from facebuild.cli import main
from facebuild.errors import BackendError

Fakes = Callable[..., list[FakeComfyUI]]


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    started: list[FakeComfyUI] = []

    def make(count: int, **kwargs: Any) -> list[FakeComfyUI]:
        made = [FakeComfyUI(**kwargs).start() for _ in range(count)]
        started.extend(made)
        return made

    yield make
    for fake in started:
        fake.stop()


def run_jobs(backend: ComfyUIBackend, count: int) -> list[bytes | BackendError]:
    def one(seed: int) -> bytes | BackendError:
        try:
            return backend.generate(RenderRequest("a moon miner", "", seed, 64, 64))
        except BackendError as exc:
            return exc

    workers = backend.capabilities().max_concurrency
    with ThreadPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(one, range(count)))


def ran(fake: FakeComfyUI) -> int:
    return len(fake.finished)


def test_jobs_spread_by_free_capacity(fakes: Fakes, backends: Any) -> None:
    servers = fakes(3, job_time=0.1)
    backend = backends(*(s.url for s in servers), batch_size=2)
    backend.preflight()
    most_in_flight = [0, 0, 0]

    def watch() -> None:
        while not done.is_set():
            for i, server in enumerate(servers):
                in_flight = len(server.pending) + (server.running is not None)
                most_in_flight[i] = max(most_in_flight[i], in_flight)
            time.sleep(0.005)

    done = threading.Event()
    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    results = run_jobs(backend, 12)
    elapsed = time.monotonic() - started
    done.set()
    watcher.join()
    assert all(isinstance(r, bytes) for r in results)
    assert [ran(s) for s in servers] == [4, 4, 4]
    assert most_in_flight == [2, 2, 2]  # batch_size in flight per server, never more
    assert elapsed < 12 * 0.1  # in parallel: one job after another would take 1.2 s


def test_unreachable_server_is_left_out_and_the_others_work(fakes: Fakes, backends: Any) -> None:
    up = fakes(2)
    dead = "http://127.0.0.1:9"
    backend = backends(up[0].url, dead, up[1].url, batch_size=2)
    backend.preflight()
    results = run_jobs(backend, 8)
    assert all(isinstance(r, bytes) for r in results)
    assert ran(up[0]) + ran(up[1]) == 8 and min(ran(up[0]), ran(up[1])) >= 2


def test_failing_server_leaves_rotation_and_its_jobs_go_elsewhere(fakes: Fakes, backends: Any) -> None:
    good, bad, stopped = fakes(3, job_time=0.02)
    backend = backends(good.url, bad.url, stopped.url, batch_size=2, cooldown=30)
    backend.preflight()
    bad.broken = True  # every request now gets HTTP 500
    stopped.stop()  # and this one is gone
    results = run_jobs(backend, 10)
    assert all(isinstance(r, bytes) for r in results)
    assert ran(good) == 10 and ran(bad) == 0
    # out of rotation after the first failures: it is not asked again for every job
    assert sum(1 for method, path in bad.requests if method == "POST") <= 2


def test_all_servers_down_is_a_retryable_error(fakes: Fakes, backends: Any) -> None:
    first, second = fakes(2)
    backend = backends(first.url, second.url)
    backend.preflight()
    first.broken = second.broken = True
    with pytest.raises(BackendError) as caught:
        backend.generate(RenderRequest("x", "", 1, 64, 64))
    assert caught.value.retryable
    assert str(caught.value).startswith("none of the 2 ComfyUI servers can take the job: ")
    with pytest.raises(BackendError, match="unreachable"):
        backends("http://127.0.0.1:9", "http://127.0.0.1:7").preflight()


def test_a_build_renders_once_and_a_second_build_renders_nothing(fakes: Fakes, tmp_path: Path) -> None:
    first, second = fakes(2, job_time=0.01)
    cast = tmp_path / "cast.yaml"
    cast.write_text(
        "version: 1\nname: Pool test\n"
        "world: {context: A moon, style: Flat cartoon, negative: text}\n"
        f"backend: {{name: comfyui, url: [{first.url}, {second.url}], batch_size: 2}}\n"
        "seed: 5\n"
        "variants:\n  bust: {size: 64, frame: Head and shoulders}\n"
        "  scene: {size: [1368, 768], frame: Wide scene, options: {workflow: sdxl_backdrop.json}}\n"
        "characters:\n"
        "  - {id: tessa, name: Tessa, description: A lemon smuggler}\n"
        "  - {id: oren, name: Oren, description: A crane operator}\n"
    )
    assert main(["build", str(cast)]) == 0
    posts = first.posts + second.posts
    assert len(posts) == 4
    latents = sorted(
        (p["prompt"]["5"]["inputs"]["width"], p["prompt"]["5"]["inputs"]["height"]) for p in posts
    )
    assert latents == [(1024, 1024), (1024, 1024), (1368, 768), (1368, 768)]
    assert (tmp_path / "dist" / "tessa" / "scene.png").is_file()
    assert main(["build", str(cast)]) == 0
    assert len(first.posts + second.posts) == 4
