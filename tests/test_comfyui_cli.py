"""The command-line overrides: a sketch cast built on a ComfyUI server with --backend
comfyui --api-url URL, and a checkpoint that is not installed stopping before any POST."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CAST
from fake_comfyui import FakeComfyUI
from PIL import Image


@pytest.fixture
def server() -> Iterator[FakeComfyUI]:
    fake = FakeComfyUI(job_time=0.01).start()
    yield fake
    fake.stop()


def test_api_url_override_builds_a_sketch_cast_on_comfyui(server: FakeComfyUI, tmp_path: Path,
                                                           cli) -> None:
    (tmp_path / "cast.yaml").write_text(CAST.replace("backend: {name: counting}\n", ""))
    code, out, err = cli("build", "--backend", "comfyui", "--api-url", server.url,
                         "--output-format", "plain")
    assert code == 0, out + err
    assert len(server.posts) == 4
    with Image.open(tmp_path / "dist/bob/full.png") as full:
        assert full.size == (200, 400)
    code, out, _ = cli("diff", "--backend", "comfyui", "--api-url", server.url, "--exit-code")
    assert code == 0
    # switching back to the cast's own backend is a change of backend for every target
    code, out, _ = cli("diff")
    assert "6 changed" in out and "(backend, render size, backend options, model)" in out


def test_missing_checkpoint_stops_before_any_post(tmp_path: Path, cli) -> None:
    fake = FakeComfyUI(checkpoints=[]).start()
    try:
        (tmp_path / "cast.yaml").write_text(CAST.replace("backend: {name: counting}\n", ""))
        code, _, err = cli("build", "--backend", "comfyui", "--api-url", fake.url)
        assert code == 2
        assert "sd_xl_base_1.0.safetensors is not installed on" in err
        assert fake.posts == []
    finally:
        fake.stop()
