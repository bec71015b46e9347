"""The shipped example casts build offline, as the README promises."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import EXAMPLES
from PIL import Image, ImageChops, ImageStat


def copy_example(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target,
                    ignore=shutil.ignore_patterns("dist", ".facebuild", "*.lock"))
    return target / "cast.yaml"


def test_moon_hard_lemonade_builds(tmp_path: Path, cli) -> None:
    cast = copy_example("moon-hard-lemonade", tmp_path)
    code, out, err = cli("build", str(cast))
    assert code == 0, err
    assert "built: 18 generated, 0 derived, 0 cached, 0 failed (12 renders)" in out
    dist = cast.parent / "dist"
    characters = sorted(p.name for p in dist.iterdir() if p.is_dir())
    assert len(characters) >= 6 and "tessa-quark" in characters
    for character in characters:
        sizes = {}
        for variant in ("icon", "bust", "full"):
            with Image.open(dist / character / f"{variant}.png") as image:
                sizes[variant] = image.size
                assert ImageStat.Stat(image.convert("L")).stddev[0] > 10  # a drawing, not a fill
        assert sizes == {"icon": (64, 64), "bust": (256, 256), "full": (1024, 1024)}
    # the icon is the bust scaled down: the same picture
    with Image.open(dist / "tessa-quark/bust.png") as bust, \
            Image.open(dist / "tessa-quark/icon.png") as icon:
        small = bust.convert("RGB").resize((64, 64), Image.Resampling.LANCZOS)
        difference = ImageStat.Stat(ImageChops.difference(small, icon.convert("RGB"))).mean
        assert max(difference) < 8
    code, out, _ = cli("diff", str(cast), "--exit-code")
    assert code == 0


def test_ember_vale_builds_with_includes_and_its_template(tmp_path: Path, cli) -> None:
    cast = copy_example("ember-vale", tmp_path)
    code, out, err = cli("build", str(cast))
    assert code == 0, err
    dist = cast.parent / "dist"
    files = sorted(p.relative_to(dist).as_posix() for p in dist.glob("*/*.png"))
    assert "quill/card.png" not in files  # quill's variants: [portrait, token]
    assert len(files) == 4 * 2 + 3
    with Image.open(dist / "vesper/card.png") as card:
        assert card.size == (512, 768)
    code, out, _ = cli("prompts", str(cast), "brannoc/portrait")
    assert "Brannoc Ashfist, level 7 fighter wielding a greatsword." in out


def test_examples_validate(cli) -> None:
    for cast in sorted(EXAMPLES.glob("*/cast.yaml")):
        code, out, err = cli("validate", str(cast))
        assert code == 0, err
