"""The Bedrock backend against the fake runtime: the exact body per family, the answer decoded."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from fake_bedrock import FakeBedrock, Make, fake_fixture, make_fixture, seed_color  # noqa: F401
from PIL import Image

from facebuild.backends.base import RenderRequest
from facebuild.errors import BackendError, ContentFilteredError


@pytest.fixture
def ref(tmp_path: Path) -> Path:
    path = tmp_path / "refs" / "tessa.png"
    path.parent.mkdir()
    Image.new("RGB", (640, 640), (10, 20, 30)).save(path)
    return path


def with_reference(body: Any, path: Path) -> Any:
    """``body`` with every "REF" replaced by the base64 of ``path``."""
    if isinstance(body, dict):
        return {key: with_reference(value, path) for key, value in body.items()}
    if isinstance(body, list):
        return [with_reference(value, path) for value in body]
    return base64.b64encode(path.read_bytes()).decode() if body == "REF" else body


TEXT = {"text": "a knight", "negativeText": "blurry"}


def amazon(task: str, key: str, params: dict[str, Any], size: int, cfg: float) -> dict[str, Any]:
    config = {"numberOfImages": 1, "width": size, "height": size, "quality": "standard",
              "cfgScale": cfg, "seed": 7}  # fmt: skip
    return {"taskType": task, key: params, "imageGenerationConfig": config}


CASES: list[tuple[str, dict[str, Any], tuple[int, int], Any]] = [
    ("core", {}, (1368, 768), {"prompt": "a knight", "negative_prompt": "blurry", "seed": 7,
                               "output_format": "png", "aspect_ratio": "16:9"}),
    ("sd35", {"image": "refs/tessa.png", "strength": 0.4}, (256, 256),
     {"prompt": "a knight", "negative_prompt": "blurry", "seed": 7, "output_format": "png",
      "mode": "image-to-image", "image": "REF", "strength": 0.4}),
    ("ultra", {"image": "refs/tessa.png"}, (1024, 1024),
     {"prompt": "a knight", "negative_prompt": "blurry", "seed": 7, "output_format": "png",
      "image": "REF", "strength": 0.35}),
    ("sdxl", {"style": "anime"}, (64, 64),
     {"text_prompts": [{"text": "a knight", "weight": 1.0}, {"text": "blurry", "weight": -1.0}],
      "cfg_scale": 7.0, "height": 1024, "width": 1024, "seed": 7, "steps": 30, "samples": 1,
      "style_preset": "anime"}),
    ("titan", {}, (256, 256), amazon("TEXT_IMAGE", "textToImageParams", TEXT, 512, 8.0)),
    ("titan", {"colors": ["#AA3322", "#112233"], "image": "refs/tessa.png"}, (1024, 1024),
     amazon("COLOR_GUIDED_GENERATION", "colorGuidedGenerationParams",
            {**TEXT, "colors": ["#AA3322", "#112233"], "referenceImage": "REF"}, 1024, 8.0)),
    ("nova", {"style": "soft_digital_painting", "quality": "premium"}, (64, 64),
     {**amazon("TEXT_IMAGE", "textToImageParams", {**TEXT, "style": "SOFT_DIGITAL_PAINTING"},
               320, 6.5)}),
    ("nova", {"images": ["refs/tessa.png"], "similarity_strength": 0.9}, (1024, 1024),
     amazon("IMAGE_VARIATION", "imageVariationParams",
            {"images": ["REF"], **TEXT, "similarityStrength": 0.9}, 1024, 6.5)),
]  # fmt: skip


@pytest.mark.parametrize(("model", "options", "size", "body"), CASES)
def test_exact_body_per_family(
    fake: FakeBedrock, make: Make, ref: Path, model: str, options: dict[str, Any],
    size: tuple[int, int], body: dict[str, Any],
) -> None:  # fmt: skip
    backend = make(model=model, region="us-east-1" if model == "nova" else "us-west-2")
    width, height = backend.render_size(*size)
    request = RenderRequest("a knight", "blurry", 7, width, height, options, "tessa/bust")
    assert backend.check(request) == []
    data = backend.generate(request)

    [call] = fake.calls
    assert call.model == backend.spec.id
    assert call.headers["Content-Type"] == call.headers["Accept"] == "application/json"
    expected = with_reference(body, ref)
    if options.get("quality") == "premium":
        expected["imageGenerationConfig"]["quality"] = "premium"
    assert call.body == expected
    with Image.open(io.BytesIO(data)) as img:
        assert img.getpixel((0, 0)) == seed_color(7)
        assert img.size == ((640, 640) if "strength" in str(body) else (width, height))


def test_sizes_per_model(make: Make) -> None:
    sizes = [(64, 64), (256, 256), (1024, 1024), (1368, 768)]
    expected = {
        "core": [(1024, 1024), (1024, 1024), (1024, 1024), (1344, 768)],
        "ultra": [(1024, 1024), (1024, 1024), (1024, 1024), (1344, 768)],
        "sd35": [(1024, 1024), (1024, 1024), (1024, 1024), (1344, 768)],
        "sdxl": [(1024, 1024), (1024, 1024), (1024, 1024), (1344, 768)],
        "titan": [(512, 512), (512, 512), (1024, 1024), (1408, 768)],
        "nova": [(320, 320), (320, 320), (1024, 1024), (1376, 768)],
    }
    for model, want in expected.items():
        backend = make(model=model, region="us-east-1")
        assert [backend.render_size(w, h) for w, h in sizes] == want, model


@pytest.mark.parametrize("model", ["core", "sdxl", "titan", "nova"])
def test_content_filtered_fails_alone_and_is_not_retried(fake: FakeBedrock, make: Make, model: str) -> None:
    backend = make(model=model, region="us-east-1" if model == "nova" else "us-west-2")
    size = backend.render_size(1024, 1024)
    with pytest.raises(ContentFilteredError, match=f"content filtered by {backend.spec.id}"):
        backend.generate(RenderRequest("a FORBIDDEN knight", "", 3, *size))
    assert len(fake.calls) == 1
    assert backend.generate(RenderRequest("a knight", "", 3, *size))  # the next target goes on
    assert len(fake.calls) == 2


def test_stability_filter_reason_is_shown(fake: FakeBedrock, make: Make) -> None:
    with pytest.raises(ContentFilteredError) as caught:
        make().generate(RenderRequest("FORBIDDEN", "", 3, 1024, 1024))
    assert str(caught.value) == (
        "content filtered by stability.stable-image-core-v1:1: Filter reason: prompt"
    )


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("empty", "stability.stable-image-core-v1:1 answered without an image (response keys: none)"),
        ("garbage", "stability.stable-image-core-v1:1 answered with an image that cannot be decoded"),
    ],
)  # fmt: skip
def test_empty_or_malformed_answer_is_one_clear_line(
    fake: FakeBedrock, make: Make, kind: str, message: str
) -> None:
    fake.fail_next(kind)
    with pytest.raises(BackendError) as caught:
        make().generate(RenderRequest("a knight", "", 3, 1024, 1024))
    assert str(caught.value) == message
