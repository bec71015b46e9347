"""Render size on ComfyUI: about a megapixel by default, a variant's own ``render_size:``,
and the workflow's own size when an ``inputs:`` mapping leaves width and height out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_comfyui import FakeComfyUI
from PIL import Image

from facebuild.backends.comfyui.workflow import shipped_workflows


@pytest.fixture
def server() -> Iterator[FakeComfyUI]:
    fake = FakeComfyUI(job_time=0.01).start()
    yield fake
    fake.stop()


def write_cast(tmp_path: Path, backend: str, variants: str) -> Path:
    cast = tmp_path / "cast.yaml"
    cast.write_text(
        "version: 1\nname: Sizes\nworld: {context: A moon, style: Flat, negative: text}\n"
        f"backend: {{name: comfyui, poll_interval: 0.05, {backend}}}\n"
        f"seed: 5\nvariants:\n{variants}characters:\n"
        "  - {id: tessa, name: Tessa, description: A lemon smuggler}\n"
    )
    return cast


def lock_render(tmp_path: Path, target: str) -> dict[str, Any]:
    entries = json.loads((tmp_path / "cast.lock").read_text())
    found = entries.get("targets", entries).get(target)
    assert isinstance(found, dict)
    render: dict[str, Any] = found["render"]
    return render


def test_a_variant_render_size_is_what_the_server_renders(server: FakeComfyUI, tmp_path: Path,
                                                           cli: Any) -> None:
    cast = write_cast(tmp_path, f"url: {server.url}",
                      "  icon: {size: 64, render_size: 512, frame: Head}\n"
                      "  bust: {size: 64, frame: Head}\n")
    code, out, err = cli("build", str(cast))
    assert code == 0, out + err
    sizes = sorted((p["prompt"]["5"]["inputs"]["width"], p["prompt"]["5"]["inputs"]["height"])
                   for p in server.posts)
    assert sizes == [(512, 512), (1024, 1024)]  # the default rule: about one megapixel
    with Image.open(tmp_path / "dist" / "tessa" / "icon.png") as icon:
        assert icon.size == (64, 64)
    render = lock_render(tmp_path, "tessa/icon")
    assert (render["width"], render["height"]) == (512, 512)


def test_render_size_out_of_range_is_a_cast_error(tmp_path: Path, cli: Any) -> None:
    cast = write_cast(tmp_path, "url: http://127.0.0.1:9", "  icon: {size: 64, render_size: 0}\n")
    code, _, err = cli("validate", str(cast))
    assert code == 2 and "variants.icon.render_size" in err and "between 1 and" in err


def test_an_unmapped_workflow_size_is_used_and_recorded(server: FakeComfyUI, tmp_path: Path,
                                                        cli: Any) -> None:
    graph = json.loads(shipped_workflows()["sdxl_portrait.json"].read_text())
    graph["5"]["inputs"].update(width=640, height=384)
    (tmp_path / "wide.json").write_text(json.dumps(graph))
    cast = write_cast(tmp_path, f"url: {server.url}, workflow: wide.json, "
                      "inputs: {prompt: '6.text', negative: '7.text', seed: '3.seed'}",
                      "  bust: {size: 128, frame: Head}\n")
    code, out, err = cli("build", str(cast))
    assert code == 0, out + err
    sent = server.posts[0]["prompt"]["5"]["inputs"]
    assert (sent["width"], sent["height"]) == (640, 384)
    render = lock_render(tmp_path, "tessa/bust")
    assert (render["width"], render["height"]) == (640, 384)
    with Image.open(tmp_path / "dist" / "tessa" / "bust.png") as bust:
        assert bust.size == (128, 128)
