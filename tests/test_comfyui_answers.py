"""Server answers are untrusted: garbage, huge bodies and images with bytes after their
end are each one line on the targets concerned, never an internal error (exit 3)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_comfyui import FakeComfyUI
from PIL import Image

from facebuild.backends.base import RenderRequest
from facebuild.backends.comfyui import ComfyUIBackend
from facebuild.backends.comfyui.objectinfo import validate_graph
from facebuild.backends.comfyui.workflow import shipped_workflows
from facebuild.errors import BackendError, CastError

REQUEST = RenderRequest("a lemon smuggler", "blurry", 1234, 256, 192, label="tessa/bust")


@pytest.fixture
def fake() -> Iterator[FakeComfyUI]:
    server = FakeComfyUI(job_time=0.01).start()
    yield server
    server.stop()


def make_backend(tmp_path: Path, url: str, **options: object) -> ComfyUIBackend:
    return ComfyUIBackend.from_options({"url": url, "poll_interval": 0.05, **options}, tmp_path)


def cast_for(tmp_path: Path, url: str) -> Path:
    cast = tmp_path / "cast.yaml"
    cast.write_text(
        "version: 1\nname: Answers\nworld: {context: A moon, style: Flat, negative: text}\n"
        f"backend: {{name: comfyui, url: {url}, poll_interval: 0.05}}\n"
        "seed: 5\nvariants:\n  bust: {size: 64, frame: Head}\ncharacters:\n"
        "  - {id: tessa, name: Tessa, description: A lemon smuggler}\n"
        "  - {id: oren, name: Oren, description: A crane operator}\n"
    )
    return cast


@pytest.mark.parametrize("path", ["/history", "/prompt"])
def test_malformed_json_is_one_line_on_the_target(fake: FakeComfyUI, tmp_path: Path, path: str,
                                                  cli: object) -> None:
    cast = cast_for(tmp_path, fake.url)
    fake.garbage.add(path)
    code, out, err = cli("build", str(cast), "--output-format", "plain")  # type: ignore[operator]
    assert code == 1, out + err
    failed = [line for line in out.splitlines() if "FAILED" in line]
    assert len(failed) == 2
    assert all(f"GET {path}" in line or f"POST {path}" in line for line in failed)
    assert all("the answer is not JSON" in line and "proxy error" not in line for line in failed)
    assert "internal error" not in out + err


def test_malformed_object_info_fails_the_targets_of_that_server(fake: FakeComfyUI, tmp_path: Path,
                                                                cli: object) -> None:
    fake.garbage.add("/object_info")
    code, out, err = cli("build", str(cast_for(tmp_path, fake.url)),  # type: ignore[operator]
                         "--output-format", "plain")
    assert code == 1, out + err
    failed = [line for line in out.splitlines() if "FAILED" in line]
    assert len(failed) == 2
    assert all("GET /object_info: the answer is not JSON" in line for line in failed)
    assert fake.posts == []
    assert "internal error" not in out + err


def test_a_huge_image_is_refused_while_it_streams(fake: FakeComfyUI, tmp_path: Path) -> None:
    fake.huge_view = 512 * 1024 * 1024
    backend = make_backend(tmp_path, fake.url, max_answer_bytes=2 * 1024 * 1024)
    try:
        backend.preflight()
        with pytest.raises(BackendError) as caught:
            backend.generate(REQUEST)
    finally:
        backend.close()
    assert "GET /view: the answer is larger than 2,097,152 bytes (backend option max_answer_bytes)" in str(
        caught.value)
    assert fake.view_sent < 256 * 1024 * 1024  # it hung up instead of reading everything


def test_bytes_after_the_end_of_a_png_are_cut(fake: FakeComfyUI, tmp_path: Path) -> None:
    fake.trailing = b"#!/bin/sh\necho hidden payload\n" * 10
    backend = make_backend(tmp_path, fake.url)
    try:
        backend.preflight()
        data = backend.generate(REQUEST)
    finally:
        backend.close()
    assert b"hidden payload" not in data
    assert data.endswith(b"IEND\xaeB`\x82")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (256, 192)


def test_max_answer_bytes_is_checked(tmp_path: Path) -> None:
    with pytest.raises(CastError, match="backend.max_answer_bytes"):
        make_backend(tmp_path, "http://127.0.0.1:9", max_answer_bytes=10)


def test_object_info_of_any_shape_is_read_without_crashing() -> None:
    graph = json.loads(shipped_workflows()["sdxl_portrait.json"].read_text())
    odd = {
        "KSampler": {"input": "nonsense"},
        "CheckpointLoaderSimple": {"input": {"required": ["ckpt_name"]}},
        "EmptyLatentImage": {"input": {"required": {"width": "INT"}, "optional": 7}},
        "CLIPTextEncode": {"input": {"required": {"text": [None, "x"], "clip": []}}},
        "VAEDecode": {},
        "SaveImage": {"input": {"required": {"images": [["a", {"b": 1}]], "filename_prefix": [1, 2, 3]}}},
    }
    problems = validate_graph(graph, odd, "http://gpu")
    assert all(isinstance(p, str) and "\n" not in p for p in problems)
