"""The sketch backend, judged on real pixels of real renders."""

from __future__ import annotations

import io
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import EXAMPLES
from PIL import Image, ImageChops

from facebuild.backends import RenderRequest, create_backend
from facebuild.backends.sketch import CHROMA_GREEN, SKETCH_VERSION, SketchBackend, parse_features
from facebuild.errors import CastError

RGB = tuple[int, int, int]

TESSA = (
    "Moon Hard Lemonade is a far-future sci-fi cartoon adventure on a mining moon. "
    "Style: Clean, readable sci-fi cartoon portraits, crisp linework, bright lemon-yellow and "
    "teal palette. Character: Tessa Quark, Digger. Optimistic smuggler-mechanic, mischievous "
    "grin, short hair, grease-stained gloves. Framing: Head and shoulders portrait, light "
    "background.\nSetting: a far-future city under a dome."
)


def generate(prompt: str, negative: str = "", seed: int = 7, width: int = 128,
             height: int = 128) -> bytes:
    return SketchBackend().generate(RenderRequest(prompt, negative, seed, width, height))


def image(prompt: str, negative: str = "", seed: int = 7, width: int = 128,
          height: int = 128) -> Image.Image:
    return Image.open(io.BytesIO(generate(prompt, negative, seed, width, height)))


def pixels(im: Image.Image) -> list[RGB]:
    data = im.convert("RGB").tobytes()
    return list(zip(data[0::3], data[1::3], data[2::3], strict=True))


def distance(a: RGB, b: RGB) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5)


def changed_fraction(a: Image.Image, b: Image.Image, threshold: int = 40) -> float:
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).convert("L")
    return sum(1 for v in diff.tobytes() if v > threshold) / (a.width * a.height)


@pytest.mark.parametrize("size", [(64, 64), (256, 256), (300, 120), (90, 200), (16, 16)])
def test_renders_an_rgb_png_of_exactly_the_requested_size(size: tuple[int, int]) -> None:
    im = image(TESSA, width=size[0], height=size[1])
    assert im.format == "PNG"
    assert im.mode == "RGB"
    assert im.size == size
    assert set(getattr(im, "text", {})) <= {"sketch:identity"}  # the person it draws, nothing else


def test_same_request_gives_the_same_bytes() -> None:
    assert generate(TESSA, seed=11) == generate(TESSA, seed=11)


def test_different_seeds_give_different_faces() -> None:
    villager = "Head and shoulders portrait of a villager."
    faces = [image(villager, seed=seed) for seed in (1, 2, 3)]
    assert min(changed_fraction(a, b) for a, b in zip(faces, faces[1:] + faces[:1], strict=True)) > 0.2
    # Even with colours, hair and background fixed by the prompt, the face moves and changes.
    assert changed_fraction(image(TESSA, seed=1), image(TESSA, seed=2)) > 0.1


def test_hair_colour_follows_the_prompt() -> None:
    base = "Head and shoulders portrait of a mechanic with {} hair and green eyes."
    red, black = pixels(image(base.format("red"))), pixels(image(base.format("black")))
    # Only the hair colour differs between the two prompts, so the pixels that changed
    # are the hair: red in one image, near black in the other.
    hair = [i for i, (a, b) in enumerate(zip(red, black, strict=True)) if distance(a, b) > 60]
    assert len(hair) > 0.03 * len(red)
    mean_red = [sum(red[i][c] for i in hair) / len(hair) for c in range(3)]
    mean_black = [sum(black[i][c] for i in hair) / len(hair) for c in range(3)]
    assert mean_red[0] > mean_red[1] + 80 and mean_red[0] > 150
    assert max(mean_black) < 80


def test_negative_prompt_removes_glasses() -> None:
    with_glasses = "Head and shoulders portrait of a librarian wearing round glasses, a smile."
    without = "Head and shoulders portrait of a librarian wearing round, a smile."
    assert "glasses" in parse_features(with_glasses, "").accessories
    assert "glasses" not in parse_features(with_glasses, "glasses, text").accessories
    assert generate(with_glasses, "glasses") == generate(without)
    glasses, bare = image(with_glasses, width=256, height=256), image(without, width=256, height=256)
    assert changed_fraction(glasses, bare) > 0.005

    def dark(im: Image.Image) -> int:  # outline ink: the frames add some
        return sum(1 for p in pixels(im) if sum(p) < 200)

    assert dark(glasses) > dark(bare) + 200


def test_green_screen_is_one_exact_colour_and_the_figure_avoids_it() -> None:
    prompt = ("Bust portrait of a goblin with green skin, green hair and a green jacket, "
              "glasses and a hat. Solid green background for chroma key.")
    assert CHROMA_GREEN == (0, 177, 64)
    im = image(prompt, width=160, height=128)
    for corner in ((0, 0), (159, 0), (0, 127), (159, 127)):
        assert im.getpixel(corner) == CHROMA_GREEN
    figure = [p for p in pixels(im) if p != CHROMA_GREEN]
    assert len(figure) > 0.2 * im.width * im.height
    assert min(distance(p, CHROMA_GREEN) for p in figure) > 60


def silhouette(framing: str) -> tuple[float, int]:
    """(fraction of pixels that are figure, number of rows with any figure pixel)."""
    im = image(f"{framing} of a pilot, green screen.", width=128, height=128)
    flat = pixels(im)
    rows = [flat[y * im.width:(y + 1) * im.width] for y in range(im.height)]
    figure_rows = [sum(p != CHROMA_GREEN for p in row) for row in rows]
    return sum(figure_rows) / (im.width * im.height), sum(1 for n in figure_rows if n)


def test_framing_changes_the_silhouette() -> None:
    icon_area, icon_rows = silhouette("Icon, face close-up")
    full_area, full_rows = silhouette("Full body, standing")
    assert icon_area > 2 * full_area
    assert full_rows < 0.95 * 128  # a standing figure leaves floor below its feet
    assert icon_rows > 0.85 * 128


def test_scene_prompt_draws_no_one() -> None:
    skin: RGB = (130, 60, 170)  # how "purple skin" is drawn, with no mood words
    portrait = image("Head and shoulders portrait of a ranger in a quiet forest. Purple skin.")
    scene = image("Backdrop of a quiet forest, no people. Purple skin.")
    assert parse_features("Backdrop of a quiet forest, no people.", "").scene
    assert sum(p == skin for p in pixels(portrait)) > 100
    assert not any(distance(p, skin) < 12 for p in pixels(scene))


def test_noir_is_grey_and_pastel_is_lighter_than_neon() -> None:
    noir = image("Bust portrait of a detective with red hair. Style: film noir.")
    assert all(r == g == b for r, g, b in pixels(noir))

    def brightness(style: str) -> float:
        return sum(sum(p) for p in pixels(image(f"Portrait. Style: {style}."))) / 128 / 128

    assert brightness("soft pastel colours") > brightness("neon cyberpunk") + 40


def test_parses_the_rendered_template() -> None:
    f = parse_features(TESSA, "text, watermark")
    assert (f.scene, f.framing, f.green_screen) == (False, "bust", False)
    assert (f.expression, f.hair_style) == ("grin", "short")
    assert "gloves" in f.accessories and "glasses" not in f.accessories
    assert (250, 235, 80) in f.palette and (20, 150, 150) in f.palette  # lemon, teal
    assert f.background is not None and min(f.background) > 200  # "light background"


def test_labels_are_found_on_one_line_and_a_text_negative_keeps_the_character() -> None:
    one_line = " ".join(TESSA.split())
    f = parse_features(one_line, "text, characters, watermark")
    assert (f.scene, f.framing, f.expression) == (False, "bust", "grin")
    assert (20, 150, 150) in f.palette
    assert parse_features("Portrait of a fisherman.", "people, person").scene


def test_colour_words_attach_to_the_part_they_name() -> None:
    f = parse_features("A knight with long red hair, green eyes, dark skin and a blue "
                       "leather jacket, no hat.", "")
    assert f.hair is not None and f.hair[0] > 150 and f.hair[1] < 100
    assert f.eyes is not None and f.eyes[1] > f.eyes[0] and f.eyes[1] > f.eyes[2]
    assert f.skin is not None and max(f.skin) < 130
    assert f.clothing is not None and f.clothing[2] > 150
    assert f.hair_style == "long"
    assert "hat" not in f.accessories


@pytest.mark.parametrize(("frame", "framing"), [
    ("Icon", "icon"), ("Avatar, face only", "icon"), ("Head and shoulders portrait", "bust"),
    ("Full body, full-length", "full"), ("Portrait", "bust"),
])
def test_framing_words(frame: str, framing: str) -> None:
    assert parse_features(f"{frame} of Bob, a cook with a beard.", "").framing == framing


def test_backend_contract() -> None:
    backend = create_backend("sketch", {}, Path("."))
    assert isinstance(backend, SketchBackend)
    caps = backend.capabilities()
    assert (caps.backend, caps.model, caps.price_per_image, caps.paid) == (
        "sketch", "sketch-v1", 0.0, False)
    assert (caps.seed_min, caps.seed_max, caps.min_side, caps.max_side) == (0, 2**32 - 1, 16, 4096)
    assert caps.max_concurrency >= 2
    request = RenderRequest("Icon of Bob", "", 3, 64, 64)
    assert backend.identity(request) == {"model": "sketch-v1", "version": SKETCH_VERSION}
    assert backend.render_size(1368, 768) == (1368, 768)
    assert backend.check(request) == []
    problems = backend.check(RenderRequest("x", "", -1, 8, 5000))
    assert len(problems) == 3 and any("seed" in p for p in problems)
    calls: list[tuple[int, int]] = []
    backend.preflight()
    backend.generate(request, progress=lambda step, total: calls.append((step, total)))
    assert calls == [(1, 1)]
    backend.cancel()
    backend.close()


def test_unknown_option_is_a_cast_error() -> None:
    with pytest.raises(CastError) as err:
        SketchBackend.from_options({"model": "big"}, Path("."))
    assert err.value.key == "backend.model"
    assert "unknown option 'model' for the sketch backend" in str(err.value)
    assert err.value.hint == "the sketch backend takes no options"


def mode(im: Image.Image, box: tuple[int, int, int, int]) -> RGB:
    """The most common colour in ``box``: flat fills keep their exact colour inside."""
    colours = Counter(pixels(im.crop(box)))
    return colours.most_common(1)[0][0]


def identity(bust: Image.Image) -> tuple[RGB, RGB, RGB]:
    """(skin, hair or what covers it, clothes) of a 256×256 bust, from places that hold
    them whatever the seed: the middle of the face, the crown of the head, and the chest
    to the left of any lapel, string or tie."""
    assert bust.size == (256, 256)
    return mode(bust, (100, 70, 156, 140)), mode(bust, (124, 44, 132, 50)), mode(bust, (78, 244, 90, 254))


def built_pairs(tmp_path: Path, cli) -> dict[str, tuple[Image.Image, Image.Image]]:
    """(bust, full body) of every character of both shipped examples that has both."""
    pairs = {}
    for name, bust, full in (("moon-hard-lemonade", "bust", "full"), ("ember-vale", "portrait", "card")):
        shutil.copytree(EXAMPLES / name, tmp_path / name)
        assert cli("build", str(tmp_path / name / "cast.yaml"), "--output-format", "plain")[0] == 0
        for folder in sorted((tmp_path / name / "dist").iterdir()):
            if (folder / f"{full}.png").exists():
                pairs[f"{name}/{folder.name}"] = (Image.open(folder / f"{bust}.png").convert("RGB"),
                                                  Image.open(folder / f"{full}.png").convert("RGB"))
    return pairs


def test_every_example_character_has_one_identity_across_its_variants(tmp_path: Path, cli) -> None:
    pairs = built_pairs(tmp_path, cli)
    assert len(pairs) == 6 + 3  # quill has no card
    for name, (bust, full) in pairs.items():
        colours = Counter(pixels(full))
        area = full.width * full.height
        for part, colour in zip(("skin", "hair", "clothes"), identity(bust), strict=True):
            # the bust's colour is a large flat fill of the full body too
            assert colours[colour] > 0.004 * area, (name, part, colour)


def test_different_characters_look_different(tmp_path: Path, cli) -> None:
    looks = {name: identity(bust) for name, (bust, _) in built_pairs(tmp_path, cli).items()}
    assert len(set(looks.values())) == len(looks)
    # two characters described alike still differ: what the words leave open is theirs
    cast = tmp_path / "twins" / "cast.yaml"
    cast.parent.mkdir()
    cast.write_text("version: 1\nname: Twins\nseed: 3\n"
                    "variants: {bust: {size: 256, frame: Head and shoulders portrait}}\n"
                    "characters:\n  - {id: ann, name: A, description: A pilot.}\n"
                    "  - {id: bea, name: A, description: A pilot.}\n")
    assert cli("build", str(cast), "--output-format", "plain")[0] == 0
    ann, bea = (Image.open(cast.parent / "dist" / who / "bust.png").convert("RGB") for who in ("ann", "bea"))
    assert identity(ann) != identity(bea)
    assert changed_fraction(ann, bea) > 0.1


def test_the_framing_words_change_the_framing_not_the_person() -> None:
    words = "Tessa, a mechanic. Style: cartoon, lemon-yellow and teal palette."
    bust = image(f"Head and shoulders portrait, light background. {words}", seed=5, width=256, height=256)
    other = image(f"Bust, plain dark background, smiling. {words}", seed=5, width=256, height=256)
    full = image(f"Full body, standing pose. {words}", seed=5, width=512, height=1024)
    skin, hair, clothes = identity(bust)
    assert identity(other)[0] == skin and identity(other)[2] == clothes
    colours = Counter(pixels(full))
    assert all(colours[c] > 0.004 * 512 * 1024 for c in (skin, hair, clothes))
    assert identity(image(f"Head and shoulders portrait. {words}", seed=6, width=256,
                          height=256)) != identity(bust)


PINNED_PROMPTS = ("Tessa, red hair, green eyes, blue jacket, full body, neon city",
                  "Bob, bald, beard, sunglasses, icon",
                  "Ann, long curly hair, armor, noir, green screen backdrop",
                  "A busy moon base, backdrop, teal and lemon palette")
PINNED_PIXELS = (3, "73ff0ed6d5290a4a3c849b4d5e279d0ad15ab1b50af45c60d575b2c0c3e7988d")


def test_the_drawings_of_a_sketch_version_are_pinned() -> None:
    """A stored render is found by its key, which holds SKETCH_VERSION, not the pixels: the
    same version must draw the same pixels, however its code is arranged."""
    import hashlib

    digest = hashlib.sha256()
    for prompt in PINNED_PROMPTS:
        for seed, (width, height) in ((1, (64, 64)), (12345, (120, 200))):
            digest.update(image(prompt, "text, watermark", seed, width, height).convert("RGBA").tobytes())
    assert (SKETCH_VERSION, digest.hexdigest()) == PINNED_PIXELS
