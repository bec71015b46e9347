"""ComfyUI backend against the fake server on loopback: one server."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from fake_comfyui import FakeComfyUI
from PIL import Image

from facebuild.backends.base import RenderRequest
from facebuild.backends.comfyui import ComfyUIBackend
from facebuild.errors import BackendError

Fakes = Callable[..., FakeComfyUI]
Backends = Callable[..., ComfyUIBackend]
REQUEST = RenderRequest("a lemon smuggler", "blurry", 1234, 256, 192, label="tessa/bust")




def pixels(data: bytes) -> tuple[tuple[int, int], bytes]:
    image = Image.open(io.BytesIO(data))
    return image.size, image.convert("RGB").tobytes()


def test_generate_renders_the_injected_request(fakes: Fakes, backends: Backends) -> None:
    fake = fakes(job_time=0.05)
    backend = backends(fake.url)
    backend.preflight()
    steps: list[tuple[int, int]] = []
    first = backend.generate(REQUEST, lambda value, total: steps.append((value, total)))
    size, image = pixels(first)
    assert size == (256, 192)
    assert steps[-1] == (30, 30) and len(steps) == 30
    body = fake.posts[0]
    graph = body["prompt"]
    assert body["client_id"].startswith("facebuild-")
    assert graph["6"]["inputs"]["text"] == "a lemon smuggler"
    assert graph["7"]["inputs"]["text"] == "blurry"
    assert graph["3"]["inputs"]["seed"] == 1234
    assert graph["9"]["inputs"]["filename_prefix"].startswith("facebuild/")
    again = backend.generate(REQUEST)
    assert pixels(again) == (size, image)
    # the same request twice still writes two files: the prefix differs per submission
    prefixes = {post["prompt"]["9"]["inputs"]["filename_prefix"] for post in fake.posts}
    assert len(prefixes) == 2 and len(fake.files) == 2
    other_seed = backend.generate(RenderRequest("a lemon smuggler", "blurry", 1235, 256, 192))
    other_prompt = backend.generate(RenderRequest("a moon miner", "blurry", 1234, 256, 192))
    assert len({image, pixels(other_seed)[1], pixels(other_prompt)[1]}) == 3
    assert ("GET", "/object_info") in fake.requests and ("GET", "/ws") in fake.requests


def test_fake_answers_an_identical_graph_as_cached(fakes: Fakes) -> None:
    fake = fakes()
    graph = json.loads((Path(__file__).parent.parent / "workflows" / "sdxl_portrait.json").read_text())
    with requests.Session() as http:
        ids = [http.post(f"{fake.url}/prompt", json={"prompt": graph}).json()["prompt_id"] for _ in range(2)]
        deadline = time.monotonic() + 5
        while len(fake.finished) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        outputs = [http.get(f"{fake.url}/history/{i}").json()[i]["outputs"] for i in ids]
        bad = http.post(f"{fake.url}/prompt", data=b"{oops")
        foreign = http.post(
            f"{fake.url}/prompt", json={"prompt": graph}, headers={"Origin": "http://evil.example"}
        )
    assert outputs[0] == outputs[1] and len(fake.files) == 1
    assert (bad.status_code, foreign.status_code) == (500, 403)


@pytest.mark.parametrize("style", ["old", "v3"])
def test_missing_checkpoint_fails_before_any_post(fakes: Fakes, backends: Backends, style: str) -> None:
    fake = fakes(checkpoints=("dreamshaper.safetensors", "flux.safetensors"), combo_style=style)
    empty = fakes(checkpoints=(), combo_style=style)
    with pytest.raises(BackendError) as caught:
        backends(fake.url).preflight()
    assert str(caught.value) == (
        "workflow sdxl_portrait.json: node 4 (CheckpointLoaderSimple): checkpoint "
        f"sd_xl_base_1.0.safetensors is not installed on {fake.url}; installed: "
        "dreamshaper.safetensors, flux.safetensors"
    )
    backend = backends(empty.url)
    with pytest.raises(BackendError) as caught:
        backend.generate(REQUEST)
    assert "is not installed on" in str(caught.value) and "installed: none" in str(caught.value)
    assert fake.posts == [] and empty.posts == []


def test_unknown_node_type_in_a_variant_workflow_fails_before_any_post(
    fakes: Fakes, backends: Backends, tmp_path: Path
) -> None:
    fake = fakes()
    graph = json.loads((Path(__file__).parent.parent / "workflows" / "sdxl_portrait.json").read_text())
    graph["8"]["class_type"] = "VAEDecodeTiled"
    (tmp_path / "tiled.json").write_text(json.dumps(graph))
    backend = backends(fake.url)
    backend.preflight()
    with pytest.raises(BackendError, match="node type VAEDecodeTiled does not exist on"):
        backend.generate(RenderRequest("x", "y", 1, 64, 64, options={"workflow": "tiled.json"}))
    assert fake.posts == []


def test_unreachable_server_is_one_line(backends: Backends) -> None:
    with pytest.raises(BackendError) as caught:
        backends("http://127.0.0.1:9").preflight()
    assert str(caught.value) == (
        "ComfyUI server http://127.0.0.1:9 is unreachable (connection refused); is it running?"
    )
    assert not caught.value.retryable or "\n" not in str(caught.value)


def test_http_400_shows_node_class_and_message(fakes: Fakes, backends: Backends) -> None:
    fake = fakes()
    backend = backends(fake.url)
    backend.preflight()
    fake.call(
        fake.info["CheckpointLoaderSimple"]["input"]["required"].__setitem__, "ckpt_name", [[], {}]
    )  # the model was deleted after the check
    with pytest.raises(BackendError) as caught:
        backend.generate(REQUEST)
    assert str(caught.value) == (
        f"{fake.url} rejected the workflow: node 4 (CheckpointLoaderSimple): Value not in list: "
        "ckpt_name: 'sd_xl_base_1.0.safetensors' not in []"
    )
    assert not caught.value.retryable


def test_status_200_with_node_errors_is_a_failure(fakes: Fakes, backends: Backends, tmp_path: Path) -> None:
    fake = fakes(job_time=0.5)
    graph = json.loads((Path(__file__).parent.parent / "workflows" / "sdxl_portrait.json").read_text())
    graph["20"] = {
        "class_type": "EmptyImage",
        "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0},
    }
    graph["21"] = {"class_type": "PreviewImage", "inputs": {"images": ["20", 0]}}
    (tmp_path / "two.json").write_text(json.dumps(graph))
    backend = backends(fake.url, workflow="two.json")
    backend.preflight()
    spec = fake.info["EmptyImage"]["input"]["required"]["width"][1]
    fake.call(spec.__setitem__, "min", 100)
    with pytest.raises(BackendError) as caught:
        backend.generate(REQUEST)
    assert "rejected part of the workflow: node 20 (EmptyImage): Value 64 smaller than min" in str(
        caught.value
    )
    assert fake.deletes == [[fake.posts[0]["prompt_id"]]]
    assert fake.interrupts == [{"prompt_id": fake.posts[0]["prompt_id"]}]


def test_execution_error_names_the_node(fakes: Fakes, backends: Backends) -> None:
    fake = fakes()
    fake.error_text = "BOOM"
    backend = backends(fake.url)
    with pytest.raises(BackendError) as caught:
        backend.generate(RenderRequest("BOOM", "", 1, 64, 64))
    assert str(caught.value) == (
        f"node 3 (KSampler) failed on {fake.url}: RuntimeError: Sizes of tensors must match"
    )
    assert not caught.value.retryable


def test_vanished_prompt_is_resubmitted_once(fakes: Fakes, backends: Backends) -> None:
    fake = fakes()
    backend = backends(fake.url)
    fake.vanish_next = 1
    assert pixels(backend.generate(REQUEST))[0] == (256, 192)
    assert len(fake.posts) == 2
    fake.vanish_next = 2
    with pytest.raises(BackendError, match="removed from the queue .* twice") as caught:
        backend.generate(REQUEST)
    assert caught.value.retryable and len(fake.posts) == 4


def test_a_job_that_runs_too_long_times_out_and_is_interrupted(fakes: Fakes, backends: Backends) -> None:
    fake = fakes(job_time=5.0)
    backend = backends(fake.url, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(BackendError, match="ran for more than 0.3 s; removed it") as caught:
        backend.generate(REQUEST)
    assert caught.value.retryable and time.monotonic() - started < 4.0  # not the 5 s job
    assert fake.interrupts == [{"prompt_id": fake.posts[0]["prompt_id"]}]


def test_websocket_drop_falls_back_to_polling(fakes: Fakes, backends: Backends) -> None:
    fake = fakes(job_time=0.6)
    backend = backends(fake.url)
    backend.preflight()
    result: list[bytes] = []
    worker = threading.Thread(target=lambda: result.append(backend.generate(REQUEST)))
    worker.start()
    while not fake.running:
        time.sleep(0.01)
    fake.ws_enabled = False
    fake.drop_websockets()
    worker.join(5)
    assert pixels(result[0])[0] == (256, 192)
    polls = [path for method, path in fake.requests if path.startswith("/history/")]
    assert len(polls) >= 3  # the end was found by polling, not by the socket


def test_cancel_deletes_and_interrupts_only_our_prompts(fakes: Fakes, backends: Backends) -> None:
    fake = fakes(job_time=5.0)
    backend = backends(fake.url, batch_size=3)
    backend.preflight()
    errors: list[BaseException] = []

    def run(seed: int) -> None:
        try:
            backend.generate(RenderRequest("x", "y", seed, 64, 64))
        except BackendError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(1,))]
    threads[0].start()
    while not fake.running:
        time.sleep(0.01)
    graph = fake.posts[0]["prompt"]
    theirs = requests.post(
        f"{fake.url}/prompt", json={"prompt": graph, "client_id": "them"}, timeout=5
    ).json()["prompt_id"]
    threads += [threading.Thread(target=run, args=(seed,)) for seed in (2, 3)]
    for thread in threads[1:]:
        thread.start()
    while len(fake.pending) < 3:
        time.sleep(0.01)
    ours = [post["prompt_id"] for post in fake.posts if post.get("client_id") != "them"]
    started = time.monotonic()
    backend.cancel()
    for thread in threads:
        thread.join(5)
    assert time.monotonic() - started < 3.0  # not the 5 s job, on a busy machine too
    assert [str(e) for e in errors] == ["cancelled"] * 3
    # every prompt of ours is deleted, theirs never: in one call, or, for a job whose
    # answer to POST /prompt arrives just after the cancel, in its own call then
    deleted = [prompt for call in fake.deletes for prompt in call]
    assert set(deleted) == set(ours) and theirs not in deleted
    assert fake.interrupts == [{"prompt_id": ours[0]}]
    assert [item[1] for item in fake.pending] == [theirs] or fake.running[1] == theirs
    with pytest.raises(BackendError, match="cancelled"):
        backend.generate(REQUEST)


def test_a_websocket_message_past_the_answer_limit_is_cut_short(fakes: Fakes, backends: Backends) -> None:
    """A server's frame says its own length: a message past ``max_answer_bytes`` is not read
    to its end; the socket is dropped and the job ends by polling."""
    fake = fakes(job_time=0.3)
    fake.ws_oversized = 8 * 1024 * 1024
    backend = backends(fake.url, max_answer_bytes=1024 * 1024)
    backend.preflight()
    assert pixels(backend.generate(REQUEST))[0] == (256, 192)
    listener = backend.pool.servers[0].listener
    assert listener.oversized >= 1
