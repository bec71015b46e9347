"""The Bedrock backend without any call: options, regions, checks, identity, capabilities."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_bedrock import isolate_aws
from PIL import Image

from facebuild.backends.base import RenderRequest
from facebuild.backends.bedrock import BedrockBackend, options
from facebuild.errors import CastError, CastErrors


@pytest.fixture(autouse=True)
def _no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_aws(monkeypatch, str(tmp_path))


def backend(tmp_path: Path, **options: object) -> BedrockBackend:
    return BedrockBackend.from_options(options, tmp_path)


def test_defaults_and_short_names(tmp_path: Path) -> None:
    default = backend(tmp_path)
    assert (default.spec.id, default.cfg.region) == ("stability.stable-image-core-v1:1", "us-west-2")
    assert backend(tmp_path, model="sd35").spec.id == "stability.sd3-5-large-v1:0"
    assert backend(tmp_path, model="nova", region="us-east-1").spec.id == "amazon.nova-canvas-v1:0"
    caps = backend(tmp_path, model="ultra", concurrency=3).capabilities()
    assert (caps.price_per_image, caps.paid, caps.lifecycle, caps.max_concurrency) == (
        0.14, True, "active", 3
    )  # fmt: skip
    caps = backend(tmp_path, model="titan", region="us-east-1").capabilities()
    assert (caps.lifecycle, caps.max_prompt_chars, caps.seed_max) == ("end-of-life", 512, 2147483646)


def test_unknown_model_suggests_the_nearest(tmp_path: Path) -> None:
    with pytest.raises(CastError) as caught:
        backend(tmp_path, model="stability.stable-image-core-v1:2")
    assert caught.value.key == "backend.model"
    assert caught.value.message == "unknown Bedrock model 'stability.stable-image-core-v1:2'"
    assert caught.value.hint and caught.value.hint.startswith(
        "did you mean 'stability.stable-image-core-v1:1'? known: "
    )


def test_unknown_or_bad_options_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(CastError) as caught:
        backend(tmp_path, concurency=4)
    assert str(caught.value) == (
        "backend.concurency: unknown Bedrock option 'concurency' (did you mean 'concurrency'?)"
    )
    with pytest.raises(CastError, match="backend.concurrency: expected a whole number ≥ 1"):
        backend(tmp_path, concurrency=0)
    with pytest.raises(CastError) as caught:
        backend(tmp_path, style="anime")  # Core has no style presets
    assert caught.value.key == "backend.style"
    with pytest.raises(CastErrors) as many:
        backend(tmp_path, model="nova", region="us-east-1", style="oil", colors=["red"])
    assert [e.key for e in many.value.errors] == ["backend.colors", "backend.style"]
    assert backend(tmp_path, model="nova", region="us-east-1", cfgScale=5).cfg.body == {"cfg_scale": 5}


def test_region_comes_from_the_cast_the_model_the_environment_or_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CastError) as caught:
        backend(tmp_path, model="nova")
    assert str(caught.value) == (
        "backend.region: no AWS region for amazon.nova-canvas-v1:0 (set backend.region (offered "
        "in: us-east-1, eu-west-1, ap-northeast-1), AWS_REGION, or region in your AWS profile)"
    )
    (tmp_path / "config").write_text("[profile studio]\nregion = eu-west-1\n")
    assert backend(tmp_path, model="nova", profile="studio").cfg.region == "eu-west-1"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    assert backend(tmp_path, model="nova").cfg.region == "ap-northeast-1"
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    assert backend(tmp_path, model="nova").cfg.region == "us-east-1"
    assert backend(tmp_path, model="core").cfg.region == "us-west-2"  # the model's own region


def test_check_reports_every_problem_before_any_call(tmp_path: Path) -> None:
    (tmp_path / "tiny.png").write_bytes(b"not an image")
    nova = backend(tmp_path, model="nova", region="us-west-2")
    request = RenderRequest("p" * 1030, "n" * 1100, 2**31, 1000, 1000,
                            {"images": ["tiny.png"], "similarity_strength": 0.1, "region": "x"})  # fmt: skip
    problems = nova.check(request)
    assert problems[:5] == [
        "amazon.nova-canvas-v1:0 is not offered in us-west-2 (offered in: us-east-1, eu-west-1, "
        "ap-northeast-1); set backend.region",
        "prompt is 1030 characters, 6 over the 1024 limit of amazon.nova-canvas-v1:0",
        "negative prompt is 1100 characters, 76 over the 1024 limit of amazon.nova-canvas-v1:0",
        "seed 2147483648 is out of range 0–2147483646 for amazon.nova-canvas-v1:0",
        "amazon.nova-canvas-v1:0 cannot render 1000×1000 (each side must be a multiple of 16); "
        "the closest it renders is 1008×1008",
    ]
    assert problems[5] == "option 'region' can only be set under backend:"
    assert problems[6].startswith("images: cannot read reference image")
    assert problems[7] == "similarity_strength: expected a number from 0.2 to 1, got 0.1"
    assert all("\n" not in p for p in problems)
    core = backend(tmp_path)
    assert core.check(RenderRequest("a", "", 0, 1024, 1024)) == [
        "seed 0 is out of range 1–4294967295 for stability.stable-image-core-v1:1 "
        "(0 means random on Stability models)"
    ]


def test_identity_has_model_body_and_reference_digests_but_no_region(tmp_path: Path) -> None:
    ref = tmp_path / "tessa.png"
    Image.new("RGB", (640, 640), "red").save(ref)
    request = RenderRequest("a knight", "", 9, 1024, 1024, {"image": "tessa.png", "strength": 0.4})
    west = backend(tmp_path, model="ultra", region="us-west-2", endpoint_url="http://a")
    east = backend(tmp_path, model="ultra", region="us-east-1", profile="other")
    digest = hashlib.sha256(ref.read_bytes()).hexdigest()
    assert west.identity(request) == east.identity(request) == {
        "model": "stability.stable-image-ultra-v1:1",
        "body": {"prompt": "<prompt>", "seed": 9, "output_format": "png",
                 "image": f"sha256:{digest}", "strength": 0.4},
        "schema": 1,
    }  # fmt: skip
    Image.new("RGB", (640, 640), "blue").save(ref)  # a new reference: a new render key
    assert west.identity(request)["body"]["image"] != f"sha256:{digest}"


def test_importing_the_backend_does_not_import_boto3(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from facebuild.backends import RenderRequest, create_backend\n"
        "backend = create_backend('bedrock', {'model': 'core'}, Path('.'))\n"
        "assert backend.check(RenderRequest('a', '', 1, 1024, 1024)) == []\n"
        "print('boto3' in sys.modules, 'botocore' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_reference_images_over_the_body_limit_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Image.frombytes("RGB", (200, 200), os.urandom(120_000)).save(tmp_path / "noise.png")
    monkeypatch.setattr(options, "MAX_BODY_BYTES", 200_000)  # 25 MB of noise would be slow
    problems = backend(tmp_path, model="sd35").check(
        RenderRequest("a", "", 1, 1024, 1024, {"image": "noise.png"})
    )
    assert problems == [
        "image: the reference images are 0.2 MB in base64; a Bedrock request takes at most 25 MB"
    ]
