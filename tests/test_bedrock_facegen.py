"""Coming from ai_facegen: its README's quick example and its CLI usage, run with only the
import (or the command name) changed, against the fake Bedrock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_bedrock import FakeBedrock, fake_fixture  # noqa: F401
from PIL import Image

import facebuild

# ai_facegen's README "Quick example", as published; only the import line is changed.
QUICK_EXAMPLE = '''
from ai_facegen import PortraitClient, WorldSpec, CharacterSpec, VariantSpec

world = WorldSpec(
    context="""
Moon Hard Lemonade is a far-future sci-fi cartoon adventure.
Humans joined an alien alliance because they love Moon Hard Lemonade.
The light side of the Moon is a huge industrial manufacturing hub.
""",
    style="""
Clean, readable sci-fi cartoon portraits. Crisp linework, bold shapes, simple shading.
Friendly character design. Consistent cast style. Uncluttered backgrounds.
""",
    negative="text, watermark, logo, signature, blurry, low-res"
)

character = CharacterSpec(
    name="Tessa Quark",
    role="Digger",
    description="Optimistic smuggler-mechanic, mischievous grin, short hair, grease-stained gloves."
)

variants = [
    VariantSpec(name="icon", size=64, prompt_frame="Centered face icon, readable at tiny size, bold silhouette."),
    VariantSpec(name="bust", size=256, prompt_frame="Head and shoulders portrait, light background."),
]

client = PortraitClient(region_name="us-east-1")  # or omit to use AWS defaults
results = client.generate(world=world, character=character, variants=variants)

# Save the 64×64 icon
with open("tessa_icon.png", "wb") as f:
    f.write(results["icon"].png_bytes)
'''  # noqa: E501 - the README's lines as published

# ai_facegen's `init-config` sample, the config its CLI usage builds.
INIT_CONFIG = {
    "world": {"context": "A fantasy medieval kingdom with magic and dragons.",
              "style": "Painterly fantasy art, rich colors, dramatic lighting.",
              "negative": "text, watermark, blurry, modern elements"},
    "characters": [
        {"name": "Elena Stormblade", "role": "Knight Captain",
         "description": "Stern woman in plate armor, silver hair, battle scars."},
        {"name": "Finn Quickfingers", "role": "Thief",
         "description": "Young man with mischievous grin, hooded cloak, daggers at belt."}],
    "variants": [
        {"name": "icon", "size": 64, "prompt_frame": "Small square icon, face closeup."},
        {"name": "bust", "size": 256, "prompt_frame": "Portrait from shoulders up."},
        {"name": "full", "size": 1024, "prompt_frame": "Full body portrait."}],
}


def run_example(source: str) -> dict[str, object]:
    code = source.replace("from ai_facegen import", "from facebuild import")
    scope: dict[str, object] = {}
    exec(compile(code, "quick_example.py", "exec"), scope)  # noqa: S102 - the README's own code
    return scope


def test_quick_example_in_us_west_2_calls_bedrock_once_per_variant(
        fake: FakeBedrock, tmp_path: Path) -> None:
    scope = run_example(QUICK_EXAMPLE.replace('"us-east-1"', '"us-west-2"'))
    with Image.open(tmp_path / "tessa_icon.png") as icon:
        assert icon.size == (64, 64)
    assert [c.model for c in fake.calls] == ["stability.stable-image-core-v1:1"] * 2
    results = scope["results"]
    assert isinstance(results, dict)
    sent = sorted(c.body["seed"] for c in fake.calls)
    assert sorted(r.seed for r in results.values()) == sent  # the random seed, returned
    assert results["bust"].name == "bust" and results["bust"].size == (256, 256)


def test_quick_example_with_aws_defaults(fake: FakeBedrock, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    scope = run_example(QUICK_EXAMPLE.replace('region_name="us-east-1"', 'model="core"'))
    assert len(fake.calls) == 2 and (tmp_path / "tessa_icon.png").is_file()
    assert scope["client"].backend.name == "bedrock"  # type: ignore[attr-defined]
    # nothing in the call asks for a remote backend: the offline sketch, no account needed
    scope = run_example(QUICK_EXAMPLE.replace('region_name="us-east-1"', ""))
    assert scope["client"].backend.name == "sketch"  # type: ignore[attr-defined]
    assert len(fake.calls) == 2
    with Image.open(tmp_path / "tessa_icon.png") as icon:
        assert icon.size == (64, 64)


def test_quick_example_in_us_east_1_says_in_one_line_what_to_do(fake: FakeBedrock) -> None:
    with pytest.raises(facebuild.ModelNotFoundError) as caught:
        run_example(QUICK_EXAMPLE)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("region_name: no current Bedrock image model is offered on "
                              "demand in us-east-1")
    assert "use region us-west-2" in message
    assert "us.stability.stable-image-core-v1:1" in message  # the inference profile to name
    assert isinstance(caught.value, facebuild.FaceGenError)
    assert fake.calls == []


def test_cli_usage_generate_config_into_output(fake: FakeBedrock, tmp_path: Path, cli,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    (tmp_path / "config.json").write_text(json.dumps(INIT_CONFIG, indent=2))
    code, out, err = cli("generate", "config.json", "-o", "./output", "--output-format", "plain")
    assert code == 0, err
    sizes = {}
    for path in sorted((tmp_path / "output").glob("*.png")):
        with Image.open(path) as img:
            sizes[path.name] = img.size
    assert {n: s for n, s in sizes.items() if n != "contact-sheet.png"} == {
        "elena_stormblade_icon.png": (64, 64), "elena_stormblade_bust.png": (256, 256),
        "elena_stormblade_full.png": (1024, 1024), "finn_quickfingers_icon.png": (64, 64),
        "finn_quickfingers_bust.png": (256, 256), "finn_quickfingers_full.png": (1024, 1024)}
    assert len(fake.calls) == 6
    code, out, _ = cli("generate", "config.json", "-o", "./output", "--output-format", "plain")
    assert code == 0 and len(fake.calls) == 6  # incremental: nothing changed, nothing paid
    assert (tmp_path / "config.lock").is_file()


def test_generate_with_seed_count_characters_and_no_cache(fake: FakeBedrock, tmp_path: Path,
                                                          cli) -> None:
    config = {k: v for k, v in INIT_CONFIG.items() if k != "characters"}
    config["variants"] = config["variants"][:1]  # type: ignore[index]
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "crew").mkdir()
    (tmp_path / "crew" / "tessa.json").write_text(json.dumps({"name": "Tessa Quark"}))
    (tmp_path / "zil.json").write_text(json.dumps({"name": "Zil", "role": "Captain"}))
    code, _, err = cli("generate", "config.json", "--characters", "crew", "zil.json",
                       "--model", "core", "--region", "us-west-2", "--seed", "42",
                       "--count", "3", "--no-cache", "-o", "out", "--output-format", "plain")
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "out").glob("*_icon_*.png"))
    assert names == [f"{who}_icon_{i}.png" for who in ("tessa_quark", "zil") for i in (1, 2, 3)]
    assert sorted(c.body["seed"] for c in fake.calls) == [42, 42, 43, 43, 44, 44]
    assert not list((tmp_path / "home").rglob("*.png"))  # --no-cache kept no render


def test_generate_refuses_a_character_file_without_a_name(tmp_path: Path, cli) -> None:
    (tmp_path / "config.json").write_text(json.dumps(INIT_CONFIG))
    (tmp_path / "bad.json").write_text(json.dumps({"role": "Thief"}))
    code, _, err = cli("generate", "config.json", "-c", "bad.json", "--backend", "sketch")
    assert code == 2
    assert err.strip() == ('error: bad.json: a character file needs a "name" (text) '
                           '(e.g. {"name": "Tessa Quark", "role": "Digger", "description": "..."})')


def test_a_config_variant_without_a_name_is_named(tmp_path: Path, cli) -> None:
    config = dict(INIT_CONFIG, variants=[{"name": "icon", "size": 64},
                                         {"size": 256, "prompt_frame": "Shoulders up."}])
    text = json.dumps(config, indent=2)
    (tmp_path / "config.json").write_text(text)
    line = next(i for i, t in enumerate(text.splitlines()) if '"size": 256' in t)  # "{" above
    code, _, err = cli("validate", "config.json")
    assert code == 2
    assert err.splitlines() == [f'error: config.json:{line}:5: variants[1]: this variant has no '
                                '"name" (give each variant a name, e.g. {"name": "icon", '
                                '"size": 64})']


def test_the_name_placeholder_is_a_safe_file_name(tmp_path: Path, cli) -> None:
    (tmp_path / "cast.yaml").write_text(
        "version: 1\nname: x\noutput: '{name}_{variant}.{format}'\n"
        "variants: {icon: {size: 32}}\ncharacters:\n"
        "  - {id: tessa, name: Tessa Quark}\n"
        "  - {id: dots, name: '../../Évil /Name'}\n"
        "  - {id: odd, name: '???'}\n")
    code, _, err = cli("build")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "dist").glob("*.png") if "contact" not in p.name) == [
        "evil_name_icon.png", "odd_icon.png", "tessa_quark_icon.png"]
    assert not (tmp_path.parent / "Evil").exists()
