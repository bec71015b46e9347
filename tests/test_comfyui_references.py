"""Reference edges on ComfyUI, against the fake server: the referenced render is uploaded
with POST /upload/image under a content-addressed name and injected into the LoadImage node
of the shipped image-to-image workflow, with the sampler's denoise from the strength."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_comfyui import FakeComfyUI
from PIL import Image

CAST = """\
version: 1
name: Refs
backend: {{name: comfyui, url: {url}}}
seed: 5
variants:
  bust: {{size: 256, frame: Head and shoulders}}
  full: {{size: [512, 768], frame: Full body, reference: bust, strength: 0.4,
          options: {{workflow: sdxl_reference.json{inputs}}}}}
characters:
  - {{id: tessa, name: Tessa, description: a smuggler}}
  - {{id: zil, name: Zil, description: an alien captain}}
"""


@pytest.fixture
def server() -> Iterator[FakeComfyUI]:
    fake = FakeComfyUI(job_time=0.01).start()
    yield fake
    fake.stop()


def stored(tmp_path: Path, target: str) -> bytes:
    key = json.loads((tmp_path / "cast.lock").read_text())["targets"][target]["render_key"]
    return (tmp_path / ".facebuild" / "store" / key[:2] / f"{key}.png").read_bytes()


def loads(graph: dict[str, Any]) -> list[str]:
    return [n["inputs"]["image"] for n in graph.values() if n["class_type"] == "LoadImage"]


@pytest.mark.parametrize("inputs", ["", ", inputs: {prompt: '6.text', negative: '7.text', "
                                        "seed: '3.seed', width: '10.width', height: '10.height', "
                                        "image: '12.image', denoise: '3.denoise'}"])
def test_the_bust_is_uploaded_and_loaded_by_the_full_body(
        server: FakeComfyUI, tmp_path: Path, cli: Any, inputs: str) -> None:
    (tmp_path / "cast.yaml").write_text(CAST.format(url=server.url, inputs=inputs))
    code, out, err = cli("build", "--output-format", "plain")
    assert code == 0, out + err
    assert len(server.posts) == 4 and len(server.uploads) == 2
    for character in ("tessa", "zil"):
        bust = stored(tmp_path, f"{character}/bust")
        name = f"facebuild-{hashlib.sha256(bust).hexdigest()[:40]}.png"
        upload = next(u for u in server.uploads if u["data"] == bust)
        assert upload["filename"] == name  # content-addressed
        assert upload["fields"] == ["image", "type"] and upload["answer"]["type"] == "input"
        posted = [p["prompt"] for p in server.posts if loads(p["prompt"]) == [name]]
        assert len(posted) == 1
        graph = posted[0]
        assert graph["3"]["inputs"]["denoise"] == 0.4
        # the reference is scaled to the render size (about a megapixel at 2:3)
        assert (graph["10"]["inputs"]["width"], graph["10"]["inputs"]["height"]) == (832, 1280)
        # the bust's graph went first and loads nothing
        bust_posts = [i for i, p in enumerate(server.posts)
                      if not loads(p["prompt"]) and p["prompt"]["3"]["inputs"]["seed"]
                      == graph["3"]["inputs"]["seed"]]
        assert bust_posts and bust_posts[0] < [p["prompt"] for p in server.posts].index(graph)
    with Image.open(tmp_path / "dist" / "tessa" / "full.png") as full:
        assert full.size == (512, 768)
    # a second build uploads and posts nothing
    code, out, err = cli("build", "--output-format", "plain")
    assert code == 0 and len(server.posts) == 4 and len(server.uploads) == 2


def test_a_repeated_upload_of_the_same_bytes_is_harmless(server: FakeComfyUI, tmp_path: Path,
                                                         cli: Any) -> None:
    (tmp_path / "cast.yaml").write_text(CAST.format(url=server.url, inputs=""))
    assert cli("build", "--output-format", "plain")[0] == 0
    (tmp_path / ".facebuild" / "store").rename(tmp_path / "old-store")  # a fresh clone
    (tmp_path / "cast.lock").unlink()
    assert cli("build", "--output-format", "plain", "--force")[0] == 0
    names = [u["answer"]["name"] for u in server.uploads]
    assert len(names) == 4 and len(set(names)) == 2  # same bytes, same name, no " (1)"
    assert len(server.inputs) == 2


def test_a_workflow_without_loadimage_is_refused_before_any_post(
        server: FakeComfyUI, tmp_path: Path, cli: Any) -> None:
    text = CAST.format(url=server.url, inputs="").replace("sdxl_reference.json", "sdxl_portrait.json")
    (tmp_path / "cast.yaml").write_text(text)
    code, out, err = cli("build", "--output-format", "plain")
    assert code == 2
    assert "no LoadImage node for the reference" in err and "sdxl_reference.json" in err
    assert server.posts == [] and server.uploads == []


def test_the_fake_refuses_uploads_comfyui_refuses(server: FakeComfyUI) -> None:
    import requests

    url = server.url + "/upload/image"
    assert requests.post(url, data={"type": "input"}, timeout=5).status_code == 400  # no file
    assert requests.post(url, files={"image": ("", b"x")}, timeout=5).status_code == 400
    assert requests.post(url, files={"image": ("a.png", b"x")}, data={"subfolder": "../up"},
                         timeout=5).status_code == 400
    first = requests.post(url, files={"image": ("a.png", b"x")}, timeout=5).json()
    again = requests.post(url, files={"image": ("a.png", b"x")}, timeout=5).json()
    other = requests.post(url, files={"image": ("a.png", b"y")}, timeout=5).json()
    assert first == again == {"name": "a.png", "subfolder": "", "type": "input"}
    assert other["name"] == "a (1).png"
