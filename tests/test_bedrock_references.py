"""Reference edges on Bedrock, against the fake runtime: the full body is rendered from the
bust's render, image-to-image on Stable Image Ultra and SD3.5 Large, image variation on
Titan and Nova Canvas, with the exact fields AWS documents; a model without a reference
mode is refused before any call."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fake_bedrock import FakeBedrock, fake_fixture  # noqa: F401

from facebuild.cli import main

CAST = """\
version: 1
name: Brass
backend: {{name: bedrock, model: {model}, region: {region}, retry_base_delay: 0.001}}
seed: 7
variants:
  bust: {{size: 256, frame: Head and shoulders}}
  full: {{size: 1024, frame: Full body, reference: bust, strength: {strength}}}
characters:
  - {{id: tessa, name: Tessa, description: a smuggler-mechanic}}
  - {{id: zil, name: Zil, description: a tall alien captain}}
"""


def write_cast(tmp_path: Path, model: str, region: str = "us-west-2", strength: float = 0.4) -> str:
    path = tmp_path / "cast.yaml"
    path.write_text(CAST.format(model=model, region=region, strength=strength))
    return str(path)


def build(cast: str) -> int:
    return main(["build", cast, "--yes", "--output-format", "plain"])


def stored_render(tmp_path: Path, target: str) -> bytes:
    """The raw render of ``target`` in the store, by the render key its lock entry names."""
    import json

    key = json.loads((tmp_path / "cast.lock").read_text())["targets"][target]["render_key"]
    return (tmp_path / ".facebuild" / "store" / key[:2] / f"{key}.png").read_bytes()


@pytest.mark.parametrize(("model", "mode"), [("ultra", False), ("sd35", True)])
def test_stability_image_to_image_sends_the_bust_render_with_strength(
        fake: FakeBedrock, tmp_path: Path, model: str, mode: bool) -> None:
    cast = write_cast(tmp_path, model)
    assert build(cast) == 0
    assert len(fake.calls) == 4
    for character in ("tessa", "zil"):
        bust = stored_render(tmp_path, f"{character}/bust")
        full = [c for c in fake.calls if c.body.get("image") == base64.b64encode(bust).decode()]
        assert len(full) == 1, character  # the full body was sent exactly its own bust
        body = full[0].body
        assert body["strength"] == 0.4
        assert "aspect_ratio" not in body  # image-to-image keeps the image's shape
        assert body.get("mode") == ("image-to-image" if mode else None)
        # the bust (the same character: the same seed) was called before the full body
        bust_call = next(i for i, c in enumerate(fake.calls)
                         if "image" not in c.body and c.body["seed"] == body["seed"])
        assert bust_call < fake.calls.index(full[0])
    assert build(cast) == 0
    assert len(fake.calls) == 4  # nothing paid twice


@pytest.mark.parametrize(("model", "region"), [("titan", "us-east-1"), ("nova", "us-east-1")])
def test_titan_and_nova_render_an_image_variation_of_the_bust(
        fake: FakeBedrock, tmp_path: Path, model: str, region: str) -> None:
    cast = write_cast(tmp_path, model, region, strength=0.3)
    assert build(cast) == 0
    variations = [c for c in fake.calls if c.body["taskType"] == "IMAGE_VARIATION"]
    assert len(variations) == 2 and len(fake.calls) == 4
    for character in ("tessa", "zil"):
        bust = base64.b64encode(stored_render(tmp_path, f"{character}/bust")).decode()
        params = [c.body["imageVariationParams"] for c in variations
                  if c.body["imageVariationParams"]["images"] == [bust]]
        assert len(params) == 1
        assert params[0]["similarityStrength"] == pytest.approx(0.7)  # 1 - strength
        assert set(params[0]) == {"images", "similarityStrength", "text"}
        call = next(c for c in variations if c.body["imageVariationParams"] is params[0])
        seed = call.body["imageGenerationConfig"]["seed"]
        bust_call = next(i for i, c in enumerate(fake.calls) if c.body["taskType"] == "TEXT_IMAGE"
                         and c.body["imageGenerationConfig"]["seed"] == seed)
        assert bust_call < fake.calls.index(call)


def test_strength_beyond_variation_range_is_refused_before_any_call(
        fake: FakeBedrock, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cast = write_cast(tmp_path, "titan", "us-east-1", strength=0.9)
    assert build(cast) == 2
    assert fake.calls == []
    assert "strength 0.9" in capsys.readouterr().err


def test_a_model_without_a_reference_mode_is_refused_before_any_call(
        fake: FakeBedrock, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cast = write_cast(tmp_path, "core")
    assert build(cast) == 2
    assert main(["validate", cast]) == 2
    assert fake.calls == []
    err = capsys.readouterr().err
    assert "stability.stable-image-core-v1:1 cannot render from a reference" in err
    for able in ("stability.stable-image-ultra-v1:1", "stability.sd3-5-large-v1:0",
                 "amazon.titan-image-generator-v2:0", "amazon.nova-canvas-v1:0"):
        assert able in err
    assert "Traceback" not in err
