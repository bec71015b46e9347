"""ComfyUI as real servers behave: older servers that pick their own prompt ids, servers
that drop out mid-build, graphs rejected with HTTP 400, and servers without a websocket."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fake_comfyui import FakeComfyUI

from facebuild.backends.base import RenderRequest
from facebuild.backends.comfyui import ComfyUIBackend
from facebuild.backends.comfyui.workflow import shipped_workflows
from facebuild.cli import main
from facebuild.errors import BackendError

Fakes = Callable[..., FakeComfyUI]
REQUEST = RenderRequest("a lemon smuggler", "blurry", 1234, 256, 192, label="tessa/bust")




def pool_cast(tmp_path: Path, urls: list[str], extra: str = "", characters: int = 3) -> Path:
    cast = tmp_path / "cast.yaml"
    people = "".join(f"  - {{id: c{i}, name: C{i}, description: Person number {i}}}\n"
                     for i in range(characters))
    cast.write_text(
        "version: 1\nname: Pool\nworld: {context: A moon, style: Flat, negative: text}\n"
        f"backend: {{name: comfyui, url: [{', '.join(urls)}], batch_size: 1, cooldown: 30{extra}}}\n"
        "seed: 5\nvariants:\n  bust: {size: 64, frame: Head and shoulders}\ncharacters:\n" + people
    )
    return cast


def test_an_older_server_that_picks_its_own_prompt_id_is_followed(fakes: Fakes, backends: Any) -> None:
    fake = fakes(job_time=0.02)
    fake.old_server = True
    backend = backends(fake.url)
    backend.preflight()
    image = backend.generate(REQUEST)
    assert image.startswith(b"\x89PNG")
    sent = fake.posts[0]["prompt_id"]
    assert fake.finished and fake.finished[0] != sent  # the server ran it under its own id
    assert len(fake.posts) == 1  # adopted, not refused and re-posted


def test_an_older_server_without_websocket_is_followed_by_polling(fakes: Fakes, backends: Any) -> None:
    fake = fakes(job_time=0.02)
    fake.old_server = True
    fake.ws_enabled = False
    backend = backends(fake.url)
    backend.preflight()
    assert backend.generate(REQUEST).startswith(b"\x89PNG")


def test_without_websocket_there_is_no_fixed_wait(fakes: Fakes, backends: Any) -> None:
    fake = fakes()
    fake.ws_enabled = False
    backend = backends(fake.url, poll_interval=5.0)
    began = time.monotonic()
    backend.preflight()
    backend.generate(REQUEST)
    # before: a 2 s wait for a websocket that never comes, then a first poll after 5 s
    assert time.monotonic() - began < 2.0
    paths = [path for _, path in fake.requests]
    assert paths.index("/prompt") < len(paths) - 1 and any(p.startswith("/history/") for p in paths)


def test_a_server_dropping_out_mid_build_is_reported(fakes: Fakes, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    steady, flaky = fakes(job_time=0.05), fakes(job_time=0.05)
    flaky.drop_after = 1  # one prompt, then every request gets HTTP 500
    secret = flaky.url.replace("http://", "http://admin:hunter2@")
    cast = pool_cast(tmp_path, [steady.url, secret], characters=6)
    code = main(["build", str(cast), "--output-format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    events = [json.loads(line) for line in out.splitlines()]
    warnings = [e["message"] for e in events if e["event"] == "warning"]
    host = flaky.url.removeprefix("http://")
    assert len(warnings) == 1
    assert warnings[0].startswith(f"ComfyUI server http://***@{host} dropped out (failed: HTTP 500 on ")
    assert "); it is tried again in 30 s (at " in warnings[0]
    assert warnings[0].endswith(") and its jobs go to the other servers")
    done = events[-1]
    assert done["event"] == "done" and done["warnings"] == warnings and done["generated"] == 6
    assert "hunter2" not in out + err
    assert len(list((tmp_path / "dist").glob("*/bust.png"))) == 6


def test_a_server_down_at_the_start_is_reported(fakes: Fakes, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    up = fakes()
    cast = pool_cast(tmp_path, [up.url, "http://127.0.0.1:9"])
    code = main(["build", str(cast), "--output-format", "plain"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert ("warning: ComfyUI server http://127.0.0.1:9 dropped out (is unreachable (connection "
            "refused); is it running?); it is tried again in 30 s") in out


def mismatched_workflow(tmp_path: Path) -> str:
    """The shipped portrait with its VAE decoder fed the text encoder (CLIP): a graph the
    server refuses with HTTP 400 (return_type_mismatch) whatever the prompt."""
    graph = json.loads(shipped_workflows()["sdxl_portrait.json"].read_text())
    graph["8"]["inputs"]["vae"] = ["4", 1]
    (tmp_path / "broken.json").write_text(json.dumps(graph))
    return "broken.json"


def test_the_first_400_fails_every_target_of_that_workflow_at_once(fakes: Fakes, tmp_path: Path,
                                                                    cli: Any) -> None:
    fake = fakes(job_time=0.05)
    cast = pool_cast(tmp_path, [fake.url], extra=f", workflow: {mismatched_workflow(tmp_path)}",
                     characters=6)
    cast.write_text(cast.read_text().replace("batch_size: 1", "batch_size: 6"))
    code, out, err = cli("build", str(cast), "--output-format", "plain")
    assert code == 1
    assert len(fake.posts) == 1  # not once per target
    failed = [line for line in out.splitlines() if "FAILED" in line]
    assert len(failed) == 6
    assert all("rejected the workflow: node 8 (VAEDecode): Return type mismatch between linked "
               "nodes: vae, received_type(CLIP) mismatch input_type(VAE)" in line for line in failed)


def test_a_400_is_not_shared_with_another_workflow(fakes: Fakes, backends: Any, tmp_path: Path) -> None:
    fake = fakes()
    backend = backends(fake.url)
    backend.preflight()
    broken = RenderRequest("x", "", 1, 64, 64, options={"workflow": mismatched_workflow(tmp_path)})
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: _try(backend, broken), range(4)))
    assert all(isinstance(r, BackendError) and "Return type mismatch" in str(r) for r in results)
    assert len(fake.posts) == 1
    assert backend.generate(REQUEST).startswith(b"\x89PNG")
    assert len(fake.posts) == 2


def _try(backend: ComfyUIBackend, request: RenderRequest) -> bytes | BackendError:
    try:
        return backend.generate(request)
    except BackendError as exc:
        return exc


def test_an_older_servers_end_message_is_not_missed(fakes: Fakes, backends: Any) -> None:
    """An instant job may end before its server-chosen id is known: its end message must
    still count, not leave the job to the websocket's 5 × poll_interval safety poll."""
    fake = fakes()
    fake.old_server = fake.finish_before_answer = True
    backend = backends(fake.url, poll_interval=2.0)
    backend.preflight()
    for seed in range(3):
        began = time.monotonic()
        backend.generate(RenderRequest(f"prompt {seed}", "", seed, 64, 64))
        assert time.monotonic() - began < 5.0, f"job {seed} waited for the safety poll"


def test_a_partial_acceptance_also_fails_the_workflows_other_targets(fakes: Fakes, backends: Any,
                                                                      tmp_path: Path) -> None:
    fake = fakes(job_time=0.2)
    graph = json.loads(shipped_workflows()["sdxl_portrait.json"].read_text())
    graph["20"] = {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1,
                                                          "color": 0}}
    graph["21"] = {"class_type": "PreviewImage", "inputs": {"images": ["20", 0]}}
    (tmp_path / "two.json").write_text(json.dumps(graph))
    backend = backends(fake.url, workflow="two.json")
    backend.preflight()
    fake.call(fake.info["EmptyImage"]["input"]["required"]["width"][1].__setitem__, "min", 100)
    requests = [RenderRequest(f"prompt {i}", "", i, 64, 64) for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda r: _try(backend, r), requests))
    assert all(isinstance(r, BackendError) and "rejected part of the workflow: node 20 (EmptyImage)"
               in str(r) for r in results)
    assert len(fake.posts) == 1
