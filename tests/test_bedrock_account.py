"""Bedrock from the account: `facebuild models`, validate/diff refusing what the account
does not offer, inference profiles and ARNs, and seeds sent as given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_bedrock import FakeBedrock, fake_fixture  # noqa: F401
from PIL import Image

from facebuild import CharacterSpec, ModelNotFoundError, PortraitClient, VariantSpec, WorldSpec

CAST = """\
version: 1
name: Brass
world: {{style: brass and teal}}
backend: {{name: bedrock, model: '{model}'{region}, retry_base_delay: 0.001}}
variants:
  bust: {{size: 256, frame: Head and shoulders}}
characters:
  - {{id: tessa, name: Tessa, description: a smuggler-mechanic}}
"""
CORE = "stability.stable-image-core-v1:1"
PROFILE = "us.stability.stable-image-core-v1:1"
WORLD = WorldSpec(context="A brass moon.", style="Clean cartoon portraits.")
TESSA = CharacterSpec(name="Tessa Quark", description="a smuggler-mechanic")
VARIANTS = [VariantSpec(name="icon", size=64, prompt_frame="Face icon."),
            VariantSpec(name="bust", size=256, prompt_frame="Head and shoulders.")]


def write_cast(tmp_path: Path, model: str, region: str | None) -> None:
    where = f", region: {region}" if region else ""
    (tmp_path / "cast.yaml").write_text(CAST.format(model=model, region=where))


def test_models_lists_the_account_marked_with_the_catalogue(fake: FakeBedrock, cli) -> None:
    fake.account.add_profile("us-east-1", PROFILE, CORE)
    fake.account.add_profile("us-east-1", "us.stability.stable-image-ultra-v1:1",
                             "stability.stable-image-ultra-v1:1")
    code, out, err = cli("models", "--region", "us-east-1")
    assert code == 0, err
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.startswith("  ")}
    assert "END OF LIFE since 2026-09-30" in lines["amazon.nova-canvas-v1:0"]
    assert "END OF LIFE since 2026-06-30" in lines["amazon.titan-image-generator-v2:0"]
    assert "profile only" in lines["stability.stable-image-inpaint-v1:0"]
    assert "not in facebuild's catalogue" in lines["stability.stable-image-inpaint-v1:0"]
    assert "stability, $0.040/image, 9 sizes, 640-1536 px, text only" in lines[PROFILE]
    assert "image-to-image" in lines["us.stability.stable-image-ultra-v1:1"]  # on page 2
    assert out.splitlines()[-1] == ("no model is offered on demand here: name one of your "
                                    f"inference profiles as the model, e.g. {PROFILE}")
    assert ("/foundation-models?byOutputModality=IMAGE", "us-east-1") in fake.control_calls
    assert sum(p.startswith("/inference-profiles") for p, _ in fake.control_calls) == 2
    code, out, _ = cli("models", "--region", "us-west-2", "--json")
    assert out.count("no default") == 0
    listed = {m["id"]: m for m in json.loads(out)["models"]}
    assert listed[CORE]["state"] == "ACTIVE" and listed[CORE]["call"] == "on demand"
    assert listed[CORE]["price"] == 0.04 and listed[CORE]["family"] == "stability"
    assert listed["stability.stable-image-ultra-v1:1"]["references"] == ["image-to-image"]
    assert fake.calls == []


def test_models_without_a_region_says_what_to_pass(cli) -> None:
    code, _, err = cli("models")
    assert code == 2 and "no AWS region: pass --region" in err


@pytest.mark.parametrize("command", ["validate", "diff"])
def test_a_model_past_its_end_of_life_is_refused_before_any_call(
        fake: FakeBedrock, tmp_path: Path, cli, command: str) -> None:
    write_cast(tmp_path, "titan", "us-west-2")
    code, _, err = cli(command)
    assert code == 2
    assert "amazon.titan-image-generator-v2:0 reached its end of life on 2026-06-30" in err
    assert fake.calls == []


def test_a_model_the_account_lacks_in_the_region_is_refused(fake: FakeBedrock, tmp_path: Path,
                                                            cli) -> None:
    fake.account.models["us-west-2"] = [m for m in fake.account.models["us-west-2"]
                                        if m.model_id != CORE]
    write_cast(tmp_path, "core", None)
    code, _, err = cli("validate")
    assert code == 2 and f"{CORE} is not offered to this account in us-west-2" in err
    write_cast(tmp_path, "ultra", None)
    code, out, _ = cli("validate")
    assert code == 0 and "ok" in out


def test_an_unreachable_control_plane_is_one_warning(fake: FakeBedrock, tmp_path: Path, cli,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", "http://127.0.0.1:9")
    write_cast(tmp_path, "core", None)
    code, out, err = cli("validate")
    assert code == 0 and "ok" in out
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "cannot be reached" in warnings[0]


def test_a_geographic_profile_builds_where_the_account_has_it(fake: FakeBedrock, tmp_path: Path,
                                                              cli) -> None:
    write_cast(tmp_path, PROFILE, "us-east-1")
    code, _, err = cli("validate")
    assert code == 2 and f"{PROFILE} is not an inference profile of this account in us-east-1" in err
    fake.account.add_profile("us-east-1", PROFILE, CORE)
    code, _, err = cli("validate")
    assert code == 0, err
    code, out, err = cli("build", "--yes", "--output-format", "plain")
    assert code == 0, err
    assert [c.model for c in fake.calls] == [PROFILE]
    assert "aspect_ratio" in fake.calls[0].body  # the request format of the base model
    assert out.splitlines()[-1].endswith("(1 renders; spent $0.04, estimated $0.04)")
    with Image.open(tmp_path / "dist" / "tessa" / "bust.png") as img:
        assert img.size == (256, 256)


def test_a_profile_arn_gives_its_region_and_a_wrong_geography_is_refused(
        fake: FakeBedrock, tmp_path: Path, cli) -> None:
    fake.account.add_profile("us-east-1", PROFILE, CORE)
    arn = f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{PROFILE}"
    write_cast(tmp_path, arn, None)
    code, _, err = cli("build", "--yes", "--output-format", "plain")
    assert code == 0, err
    assert [c.model for c in fake.calls] == [arn]
    write_cast(tmp_path, PROFILE, "eu-west-1")
    code, _, err = cli("validate")
    assert code == 2
    assert f"{PROFILE} is an inference profile for regions starting with us-east- or us-west-" in err
    write_cast(tmp_path, "eu.amazon.nova-canvas-v1:0", "eu-west-1")
    code, _, err = cli("diff")
    assert code == 2 and "not an inference profile of this account in eu-west-1" in err
    write_cast(tmp_path, "us.acme.painter-v1", "us-east-1")
    code, _, err = cli("validate")
    assert code == 2 and "unknown Bedrock model 'us.acme.painter-v1'" in err
    assert len(fake.calls) == 1


def test_seeds_are_sent_as_given(fake: FakeBedrock, tmp_path: Path) -> None:
    client = PortraitClient(region_name="us-west-2", cache=tmp_path / "cache")
    results = client.generate(WORLD, TESSA, VARIANTS, seed=42)
    assert [c.body["seed"] for c in fake.calls] == [42, 42]
    assert results["icon"].seed == results["bust"].seed == 42
    fake.calls.clear()
    counted = client.generate(WORLD, TESSA, VARIANTS, seed=42, count=3)
    assert sorted(c.body["seed"] for c in fake.calls) == [43, 43, 44, 44]  # 42 was stored
    assert [r.seed for r in counted["bust"]] == [42, 43, 44]
    fake.calls.clear()
    drawn = client.generate(WORLD, TESSA, VARIANTS)
    sent = {c.body["seed"] for c in fake.calls}
    assert sent == {drawn["bust"].seed} and len(fake.calls) == 2
    again = client.generate(WORLD, TESSA, VARIANTS, seed=drawn["bust"].seed)
    assert again["bust"].png_bytes == drawn["bust"].png_bytes and not again["bust"].generated


def test_model_or_region_means_bedrock(fake: FakeBedrock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    assert PortraitClient(model="ultra").backend.capabilities().model == "stability.stable-image-ultra-v1:1"
    assert PortraitClient(region_name="us-west-2").backend.capabilities().model == CORE
    assert PortraitClient().backend.name == "sketch"
    with pytest.raises(ModelNotFoundError) as caught:
        PortraitClient(region_name="eu-west-1")
    assert "eu.stability.stable-image-core-v1:1" in str(caught.value)


def test_a_refusing_control_plane_names_no_identity(fake: FakeBedrock, tmp_path: Path,
                                                   cli) -> None:
    who = "User: arn:aws:iam::123456789012:user/jane.doe is not authorized"
    fake.account.refusal = (403, "AccessDeniedException", who)
    code, _, err = cli("models", "--region", "us-west-2")
    assert code == 2
    assert err.strip() == ("error: the Bedrock control plane in us-west-2 refused: allow "
                           "bedrock:ListFoundationModels and bedrock:ListInferenceProfiles to "
                           "your AWS identity")
    write_cast(tmp_path, "core", None)
    code, _, err = cli("validate")
    assert code == 0 and "refused" in err
    fake.account.refusal = (400, "ValidationException", f"{who} in account 123456789012")
    code, _, err = cli("models", "--region", "us-west-2")
    assert code == 2 and "ValidationException: User: <arn> is not authorized in account <account>" in err
    assert "jane" not in err and "123456789012" not in err


def test_content_moderation_error_carries_the_models_reason(fake: FakeBedrock) -> None:
    from facebuild import ContentModerationError

    banned = CharacterSpec(name="Zil", description="a FORBIDDEN thing")
    with pytest.raises(ContentModerationError) as caught:
        PortraitClient(region_name="us-west-2", cache=None).generate(WORLD, banned, VARIANTS[:1],
                                                                     seed=3)
    assert caught.value.reason == "Filter reason: prompt"
    assert caught.value.target == "zil/icon"
