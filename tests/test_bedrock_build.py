"""Whole builds on the Bedrock backend, through the CLI, against the fake runtime."""

from __future__ import annotations

from pathlib import Path

from fake_bedrock import FakeBedrock, fake_fixture  # noqa: F401
from PIL import Image

from facebuild.cli import main

CAST = """\
version: 1
name: Brass
world: {{style: brass and teal, negative: blurry}}
backend: {{name: bedrock, model: {model}, region: {region}, retry_base_delay: 0.001}}
seed: 7
variants:
  bust: {{size: 256, frame: Head and shoulders}}
  icon: {{size: 64, from: bust}}
  banner: {{size: [1368, 768], frame: Wide shot}}
characters:
  - {{id: tessa, name: Tessa, description: {tessa}}}
  - {{id: zil, name: Zil, description: a tall alien captain}}
"""


def write_cast(tmp_path: Path, model: str = "core", region: str = "us-west-2",
               tessa: str = "a smuggler-mechanic") -> str:  # fmt: skip
    path = tmp_path / "cast.yaml"
    path.write_text(CAST.format(model=model, region=region, tessa=tessa))
    return str(path)


def size_of(path: Path) -> tuple[int, int]:
    with Image.open(path) as img:
        return img.size


def build(cast: str) -> int:
    return main(["build", cast, "--yes", "--output-format", "plain"])


def test_build_retries_throttling_writes_exact_sizes_and_rebuilds_for_free(
    fake: FakeBedrock, tmp_path: Path
) -> None:
    cast = write_cast(tmp_path)
    fake.throttle_first = 2
    assert build(cast) == 0
    assert len(fake.calls) == 4 + 2  # 2 characters × (bust, banner), plus the 2 throttled
    assert {c.body["aspect_ratio"] for c in fake.calls} == {"1:1", "16:9"}
    sizes = {
        p.relative_to(tmp_path / "dist").as_posix(): size_of(p) for p in (tmp_path / "dist").glob("*/*.png")
    }
    assert sizes == {
        "tessa/bust.png": (256, 256), "tessa/icon.png": (64, 64), "tessa/banner.png": (1368, 768),
        "zil/bust.png": (256, 256), "zil/icon.png": (64, 64), "zil/banner.png": (1368, 768),
    }  # fmt: skip
    assert build(cast) == 0
    assert len(fake.calls) == 6


def test_content_filtered_target_fails_alone(fake: FakeBedrock, tmp_path: Path) -> None:
    cast = write_cast(tmp_path, tessa="a FORBIDDEN thing")
    assert build(cast) == 1
    assert len(fake.calls) == 4  # the filtered renders were not retried
    assert sorted(p.name for p in (tmp_path / "dist" / "zil").iterdir()) == [
        "banner.png", "bust.png", "icon.png"
    ]  # fmt: skip
    assert not (tmp_path / "dist" / "tessa").exists()


def test_nothing_is_called_when_a_limit_check_fails(fake: FakeBedrock, tmp_path: Path) -> None:
    cast = write_cast(tmp_path, model="titan", region="us-east-1", tessa="word " * 120)
    assert build(cast) == 2
    assert main(["validate", cast]) == 2
    assert fake.calls == []
