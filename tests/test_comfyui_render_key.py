"""The ComfyUI render key is the graph as injected and sent: a change that leaves the graph
as it was costs nothing, and ``explain`` says which inputs were injected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_comfyui import FakeComfyUI


@pytest.fixture
def server() -> Iterator[FakeComfyUI]:
    fake = FakeComfyUI(job_time=0.01).start()
    yield fake
    fake.stop()


def write_cast(tmp_path: Path, url: str, negative: str, inputs: str) -> Path:
    cast = tmp_path / "cast.yaml"
    cast.write_text(
        "version: 1\nname: Keys\n"
        f"world: {{context: A moon, style: Flat, negative: '{negative}'}}\n"
        f"backend: {{name: comfyui, url: {url}, poll_interval: 0.05{inputs}}}\n"
        "seed: 5\nvariants:\n  bust: {size: 64, frame: Head}\ncharacters:\n"
        "  - {id: tessa, name: Tessa, description: A lemon smuggler}\n"
        "  - {id: oren, name: Oren, description: A crane operator}\n"
    )
    return cast


MAPPING = (", inputs: {prompt: '6.text', seed: '3.seed', width: '5.width', height: '5.height', "
           "output: '9'}")


def test_a_negative_the_workflow_never_receives_costs_nothing(server: FakeComfyUI, tmp_path: Path,
                                                               cli: Any) -> None:
    cast = write_cast(tmp_path, server.url, "text", MAPPING)
    code, out, err = cli("build", str(cast))
    assert code == 0, out + err
    assert len(server.posts) == 2
    write_cast(tmp_path, server.url, "text, watermark, extra fingers", MAPPING)
    code, out, _ = cli("diff", str(cast))
    assert "2 unchanged" in out and "a build would make 0 generations" in out
    code, out, _ = cli("build", str(cast))
    assert code == 0 and len(server.posts) == 2
    code, out, _ = cli("explain", str(tmp_path / "dist" / "tessa" / "bust.png"))
    assert code == 0
    assert ("injected:   prompt -> 6.text, negative -> not injected, seed -> 3.seed, "
            "width -> 5.width, height -> 5.height, output -> 9") in out


def test_a_negative_the_workflow_receives_renders_again(server: FakeComfyUI, tmp_path: Path,
                                                        cli: Any) -> None:
    cast = write_cast(tmp_path, server.url, "text", "")
    assert cli("build", str(cast))[0] == 0
    write_cast(tmp_path, server.url, "text, watermark", "")
    code, out, _ = cli("build", str(cast))
    assert code == 0 and len(server.posts) == 4
    assert server.posts[-1]["prompt"]["7"]["inputs"]["text"] == "text, watermark"
