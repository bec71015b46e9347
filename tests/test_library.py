"""The library: the issue's example as written, store hits, typed errors, and the CLI and
the library giving byte-identical files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import CAST
from PIL import Image, ImageChops

import facebuild
from facebuild import (
    CharacterSpec,
    FacebuildError,
    InvalidSpecError,
    MemoryCache,
    NoOpCache,
    PortraitClient,
    VariantSpec,
    WorldSpec,
)

WORLD = WorldSpec(context="Moon Hard Lemonade is a far-future sci-fi cartoon adventure.",
                  style="Clean, readable sci-fi cartoon portraits. Crisp linework.",
                  negative="text, watermark, logo, signature, blurry, low-res")
TESSA = CharacterSpec(name="Tessa Quark", role="Digger",
                      description="Optimistic smuggler-mechanic, mischievous grin, short hair, "
                      "grease-stained gloves.")
VARIANTS = [VariantSpec(name="icon", size=64,
                        prompt_frame="Centered face icon, readable at tiny size, bold silhouette."),
            VariantSpec(name="bust", size=256,
                        prompt_frame="Head and shoulders portrait, light background.")]


def test_the_readme_example(tmp_path: Path) -> None:
    client = PortraitClient()
    results = client.generate(world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    icon = Image.open(io.BytesIO(results["icon"].png_bytes))
    assert icon.size == (64, 64)
    assert results["bust"].image.size == (256, 256)
    assert "Tessa Quark, Digger." in results["bust"].prompt
    assert isinstance(results["bust"].seed, int)
    assert len(results["bust"].render_key) == 64
    saved = results["icon"].save(tmp_path / "tessa_icon.png")
    assert saved.read_bytes() == results["icon"].png_bytes
    # the default store is the user cache (HOME points into tmp_path in tests)
    assert list((tmp_path / "home" / ".cache" / "facebuild" / "store").glob("*/*.png"))


def test_same_seed_same_bytes_other_seed_other_pixels() -> None:
    client = PortraitClient(store=None)
    a = client.generate(world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    b = client.generate(world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    c = client.generate(world=WORLD, character=TESSA, variants=VARIANTS, seed=8)
    assert a["bust"].png_bytes == b["bust"].png_bytes
    assert a["bust"].render_key == b["bust"].render_key
    assert c["bust"].render_key != a["bust"].render_key
    diff = ImageChops.difference(a["bust"].image.convert("RGB"), c["bust"].image.convert("RGB"))
    changed = diff.convert("L").point(lambda v: 255 if v > 16 else 0).histogram()[255]
    assert changed > 256 * 256 // 20


def test_second_call_is_served_from_the_store(counting, tmp_path: Path) -> None:
    client = PortraitClient(backend="counting", store=tmp_path / "store")
    first = client.generate(world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    assert len(counting.calls) == 2  # icon and bust have different frames: two renders
    assert first["bust"].generated
    again = PortraitClient(backend="counting", store=tmp_path / "store").generate(
        world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    assert len(counting.calls) == 2
    assert not again["bust"].generated
    assert again["bust"].png_bytes == first["bust"].png_bytes


def test_caches(counting) -> None:
    memory = PortraitClient(backend="counting", cache=MemoryCache(max_size=8))
    memory.generate(world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    memory.generate(world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    assert len(counting.calls) == 2
    nothing = PortraitClient(backend="counting", cache=NoOpCache())
    nothing.generate(world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    nothing.generate(world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    assert len(counting.calls) == 6


def test_derived_variant_costs_no_generation(counting) -> None:
    variants = [VariantSpec(name="bust", size=256, prompt_frame="Bust"),
                VariantSpec(name="icon", size=64, derive_from="bust")]
    results = PortraitClient(backend="counting", store=None).generate(
        world=WORLD, character=TESSA, variants=variants)
    assert len(counting.calls) == 1
    assert results["icon"].size == (64, 64)
    assert results["icon"].render_key == results["bust"].render_key


def test_candidates_have_different_seeds(counting) -> None:
    results = PortraitClient(backend="counting", store=None).generate(
        world=WORLD, character=TESSA, variants=VARIANTS[1:], count=3)
    seeds = [r.seed for r in results["bust"]]
    assert len(set(seeds)) == 3
    assert [r.candidate for r in results["bust"]] == [0, 1, 2]


def test_generate_many(counting) -> None:
    people = [CharacterSpec(name=f"Crew {i}", description=f"crew member {i}") for i in range(5)]
    results = PortraitClient(backend="counting", store=None).generate_many(
        world=WORLD, characters=people, variants=VARIANTS, seed=3)
    assert sorted(results) == [f"crew-{i}" for i in range(5)]
    assert all(r["bust"].size == (256, 256) for r in results.values())
    assert len(counting.calls) == 10


@pytest.mark.parametrize("make", [
    lambda: WorldSpec(context="", style="x"),
    lambda: WorldSpec(context="x", style=" "),
    lambda: CharacterSpec(name=""),
    lambda: VariantSpec(name="bust", size=0),
    lambda: VariantSpec(name="", size=64),
    lambda: VariantSpec(name="full", size=(1024, -1)),
])
def test_invalid_specs(make) -> None:
    with pytest.raises(InvalidSpecError) as caught:
        make()
    assert isinstance(caught.value, FacebuildError)


def test_generation_errors_are_typed(counting) -> None:
    failing = CharacterSpec(name="Bad", description="FAIL")
    with pytest.raises(facebuild.GenerationError) as caught:
        PortraitClient(backend="counting", store=None).generate(
            world=WORLD, character=failing, variants=VARIANTS)
    assert "the service refused this prompt" in str(caught.value)
    assert caught.value.target in ("bad/icon", "bad/bust")


def test_cli_and_library_write_identical_files(cast_file: Path, cli) -> None:
    code, _, _ = cli("build")
    assert code == 0
    cli_files = {p.relative_to(cast_file.parent / "dist"): p.read_bytes()
                 for p in (cast_file.parent / "dist").glob("*/*.png")}
    (cast_file.parent / "lib").mkdir()
    lib_cast = cast_file.parent / "lib" / "cast.yaml"
    lib_cast.write_text(CAST)
    report = facebuild.build(facebuild.load_cast(lib_cast))
    assert report.ok
    assert report.counts()["generated"] == 6
    lib_files = {p.relative_to(lib_cast.parent / "dist"): p.read_bytes()
                 for p in (lib_cast.parent / "dist").glob("*/*.png")}
    assert lib_files == cli_files


def test_library_diff_and_plan(cast_file: Path) -> None:
    cast = facebuild.load_cast(cast_file)
    the_plan = facebuild.plan(cast)
    changes = facebuild.diff(the_plan, facebuild.read_lock(cast.lock_path))
    assert changes.counts()["new"] == 6
    facebuild.build(cast)
    changes = facebuild.diff(facebuild.plan(cast), facebuild.read_lock(cast.lock_path))
    assert not changes.has_changes


def test_cast_can_be_built_in_code(tmp_path: Path, counting) -> None:
    cast = facebuild.cast_from_data(
        {"version": 1, "name": "code", "backend": {"name": "counting"},
         "variants": {"bust": {"size": 128}}, "characters": [{"id": "a", "name": "A"}]},
        tmp_path)
    report = facebuild.build(cast)
    assert report.ok
    with Image.open(tmp_path / "dist" / "a" / "bust.png") as img:
        assert img.size == (128, 128)


def test_library_errors_are_exceptions_not_exits(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("version: 1\nname: x\nvariants: {a: {size: 0}}\n")
    with pytest.raises(facebuild.CastError):
        try:
            facebuild.load_cast(tmp_path / "bad.yaml")
        except FacebuildError as exc:  # CastErrors carries each CastError
            raise exc.errors[0] from None  # type: ignore[attr-defined]


def test_public_names_are_pinned() -> None:
    assert facebuild.__all__ == sorted([
        "Backend", "BackendError", "BuildReport", "CacheError", "Capabilities", "Cast",
        "CastError", "CharacterSpec", "ContentModerationError", "Diff", "FaceGenError",
        "FacebuildError", "FileCache",
        "GenerationError", "InvalidSpecError", "LimitError", "Lock", "MemoryCache",
        "ModelNotFoundError", "NoOpCache", "Plan", "PortraitClient", "PortraitResult",
        "RenderRequest", "Target", "TargetResult", "UsageError", "VariantSpec", "WorldSpec",
        "__version__", "build", "cast_from_data", "clean", "diff", "estimate", "gc", "load_cast",
        "plan", "read_lock", "register_backend"])
    for name in facebuild.__all__:
        assert getattr(facebuild, name) is not None


def test_ai_facegen_config_and_character_files_are_casts(tmp_path: Path, cli) -> None:
    import json

    config = {"world": {"context": "A fantasy kingdom.", "style": "Painterly.", "negative": "text"},
              "characters": [{"name": "Elena Stormblade", "role": "Knight Captain",
                              "description": "Stern woman in plate armor, silver hair."}],
              "variants": [{"name": "icon", "size": 64, "prompt_frame": "Small square icon."},
                           {"name": "bust", "size": 256, "prompt_frame": "Shoulders up."}],
              "include": ["people/*.json"]}
    (tmp_path / "facegen.json").write_text(json.dumps(config, indent=2))
    (tmp_path / "people").mkdir()
    (tmp_path / "people" / "finn.json").write_text(json.dumps(
        {"name": "Finn Quickfingers", "role": "Thief", "description": "Hooded cloak."}))
    code, out, err = cli("build", "facegen.json")
    assert code == 0, err
    for person in ("elena-stormblade", "finn-quickfingers"):
        with Image.open(tmp_path / "dist" / person / "icon.png") as icon:
            assert icon.size == (64, 64)
    code, out, _ = cli("prompts", "facegen.json", "finn-quickfingers/bust")
    assert "prompt:   Shoulders up. Finn Quickfingers, Thief. Hooded cloak." in out


def test_every_public_name_has_a_docstring() -> None:
    import inspect

    for name in facebuild.__all__:
        if name == "__version__":
            continue
        value = getattr(facebuild, name)
        doc = value.__doc__ if inspect.isclass(value) else inspect.getdoc(value)
        assert doc and not doc.startswith(f"{name}("), f"{name} has no docstring"


def test_unknown_model_is_model_not_found_with_the_known_ones() -> None:
    with pytest.raises(facebuild.ModelNotFoundError) as caught:
        PortraitClient(model="dalle", region_name="us-west-2")
    assert "stability.stable-image-core-v1:1" in caught.value.known
    assert isinstance(caught.value, facebuild.CastError)


def test_ai_facegen_exception_names() -> None:
    from facebuild import CacheError, FaceGenError

    assert FaceGenError is FacebuildError
    assert issubclass(CacheError, FaceGenError)
    assert issubclass(facebuild.GenerationError, FaceGenError)
    with pytest.raises(ValueError):
        VariantSpec(name="bust", size=0)
    refused = facebuild.ContentModerationError("Filter reason: prompt")
    assert refused.reason == "Filter reason: prompt"
    assert isinstance(refused, FaceGenError)


def test_portrait_result_takes_ai_facegen_arguments(tmp_path: Path) -> None:
    data = Image.new("RGB", (8, 4), (1, 2, 3))
    out = io.BytesIO()
    data.save(out, format="PNG")
    result = facebuild.PortraitResult(name="icon", png_bytes=out.getvalue(), seed=5)
    assert (result.name, result.seed, result.size, len(result)) == ("icon", 5, (8, 4),
                                                                    len(out.getvalue()))
    assert result.save(tmp_path / "icon.png").read_bytes() == out.getvalue()
    made = PortraitClient(store=None).generate(world=WORLD, character=TESSA, variants=VARIANTS,
                                               seed=7)
    assert made["bust"].name == "bust" and made["bust"].seed == 7


def test_caches_clear_and_ai_facegen_caches_are_accepted(counting, tmp_path: Path) -> None:
    class ResultCache:  # the methods ai_facegen's caches have
        def __init__(self) -> None:
            self.items: dict[str, facebuild.PortraitResult] = {}

        def make_key(self, prompt: str, negative: str, model: str, size: int,
                     seed: int | None) -> str:
            return f"{prompt}|{negative}|{model}|{size}|{seed}"

        def get(self, key: str) -> facebuild.PortraitResult | None:
            return self.items.get(key)

        def put(self, key: str, result: facebuild.PortraitResult) -> None:
            self.items[key] = result

        def clear(self) -> None:
            self.items.clear()

    theirs = ResultCache()
    first = PortraitClient(backend="counting", cache=theirs).generate(
        world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    again = PortraitClient(backend="counting", cache=theirs).generate(
        world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    assert len(counting.calls) == 2 and len(theirs.items) == 2
    assert again["bust"].png_bytes == first["bust"].png_bytes
    files = facebuild.FileCache(tmp_path / "cache")
    PortraitClient(backend="counting", cache=files).generate(
        world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    assert len(list((tmp_path / "cache").glob("*/*.png"))) == 2
    files.clear()
    assert not list((tmp_path / "cache").glob("*/*.png"))
    memory = MemoryCache()
    PortraitClient(backend="counting", cache=memory).generate(
        world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    memory.clear()
    PortraitClient(backend="counting", cache=memory).generate(
        world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    assert len(counting.calls) == 2 + 2 + 2 + 2  # theirs, files, memory, memory once cleared


def test_a_cache_that_fails_is_a_cache_error(counting, tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    with pytest.raises(facebuild.CacheError) as caught:
        PortraitClient(backend="counting", cache=tmp_path / "not-a-folder").generate(
            world=WORLD, character=TESSA, variants=VARIANTS, seed=7)
    assert "not-a-folder" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(facebuild.CacheError):
        PortraitClient(backend="counting", cache=42)
