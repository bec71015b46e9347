"""The gallery (dist/index.html) and the contact sheet: written by builds, escaped,
cheap on a no-op, and working in a real headless browser over file:// and HTTP."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from browser import serve, start_browser
from conftest import CAST
from PIL import Image

from facebuild.sheet import contact_sheet

HOSTILE = '<script>alert(1)</script> "quoted" & <b>bold</b>'


def rgb(path: Path | io.BytesIO) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def gallery_cast(cast_file: Path) -> Path:
    text = (CAST.replace("  bust: {size: 256, frame: Head and shoulders portrait}",
                         "  bust: {size: 256, frame: Head and shoulders portrait, candidates: 3}")
            .replace("    role: Cook\n", "    role: Cook\n    traits: [grumpy, generous]\n")
            .replace("Round cook with a beard.", f"Round cook with a beard. {HOSTILE}"))
    cast_file.write_text(text)
    return cast_file


def test_build_writes_gallery_and_sheet(cast_file, cli) -> None:
    gallery_cast(cast_file)
    code, _, err = cli("build")
    assert code == 0, err
    dist = cast_file.parent / "dist"
    page = (dist / "index.html").read_text()
    assert page.count('<section class="row"') == 2
    # every image in the lock is on the page, lazily, by a relative link that exists
    sources = re.findall(r'<img [^>]*src="([^"?]+)\?v=[0-9a-f]{12}"', page)
    assert set(sources) == {p.relative_to(dist).as_posix() for p in dist.rglob("*/*.png")}
    assert all((dist / s).is_file() for s in sources)
    assert page.count('loading="lazy"') == len(sources)
    assert "http" not in page and 'src="/' not in page and 'href="/' not in page
    # candidates 1..3 numbered, with the pick command as a hint; the icon enlarged, crisp
    assert 'title="facebuild pick bob/bust 3">3</span>' in page
    assert re.search(r'<img class="big" src="tessa-quark/icon.png\?v=\w+" width="192" '
                     r'height="192"', page)
    assert "image-rendering:pixelated" in page
    # anything a person wrote is escaped
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'data-search="bob bob cook grumpy generous"' in page
    # each prompt once per character, with the seed of every image made from it
    seeds = re.search(r'id="bob".*?<dd>bust 1, icon: seed (\d+); bust 2: seed (\d+); '
                      r'bust 3: seed (\d+)</dd>', page)
    assert seeds and len(set(seeds.groups())) == 3
    assert page.count("<dt>prompt</dt>") == 4  # bust and full, for two characters
    with Image.open(dist / "contact-sheet.png") as sheet:
        assert sheet.size[0] > 2 * 128 and sheet.size[1] > 128
        assert len(json.loads(sheet.info["facebuild:sheet"])["cells"]) == 2  # a digest per cell


def test_noop_and_unrelated_builds_leave_the_site_alone(cast_file, cli) -> None:
    cli("build")
    dist = cast_file.parent / "dist"
    stats = {name: (dist / name).stat().st_mtime_ns for name in ("index.html", "contact-sheet.png")}
    cast_file.write_text(CAST + "# a comment: a full check, nothing to write\n")
    assert cli("build")[0] == 0
    assert {n: (dist / n).stat().st_mtime_ns for n in stats} == stats
    # the full body changes: the page (its cache-busting digests) does, the bust sheet not
    cast_file.write_text(CAST.replace("Full body", "Full body in motion"))
    assert cli("build")[0] == 0
    assert (dist / "index.html").stat().st_mtime_ns != stats["index.html"]
    assert (dist / "contact-sheet.png").stat().st_mtime_ns == stats["contact-sheet.png"]
    cast_file.write_text(CAST.replace("name: Bob", "name: Bobby"))
    assert cli("build")[0] == 0
    assert (dist / "contact-sheet.png").stat().st_mtime_ns != stats["contact-sheet.png"]
    # only Bob's cell was drawn again: the same pixels as a sheet drawn from scratch
    fresh = contact_sheet([("Tessa Quark", dist / "tessa-quark/bust.png"),
                           ("Bobby", dist / "bob/bust.png")])
    assert rgb(dist / "contact-sheet.png").tobytes() == rgb(io.BytesIO(fresh)).tobytes()


def test_sheet_command(cast_file, cli) -> None:
    code, _, err = cli("sheet", "--variant", "full")
    assert code == 2 and "nothing of variant 'full' is built yet" in err
    cli("build")
    code, out, _ = cli("sheet", "--variant", "full", "-o", "full.png")
    assert code == 0 and "wrote full.png: 2 characters" in out
    image = rgb(cast_file.parent / "full.png")
    full = rgb(cast_file.parent / "dist/bob/full.png")
    # the 200x400 full body fits a 128 cell: 64x128, bottom-aligned in the second cell
    thumb = full.resize((64, 128), Image.Resampling.LANCZOS)
    x0 = 8 + 136 + (128 - 64) // 2
    assert image.getpixel((x0 + 32, 8 + 64)) == thumb.getpixel((32, 64))
    assert cli("sheet", "--variant", "ful")[2].startswith(
        "error: --variant ful: no such variant in cast.yaml (did you mean 'full'?)")
    (cast_file.parent / "dist/bob/full.png").write_bytes(b"retouched")
    code, _, err = cli("sheet", "--variant", "full", "-o", "grey.png")
    assert code == 0
    assert rgb(Path("grey.png")).getpixel((x0 + 40, 8 + 30)) == (205, 205, 200)


def check_in_browser(page, url: str, shot: Path) -> None:
    page.open(url)
    loaded = page.images_loaded()
    assert len(loaded) == 2 * (3 + 2 + 1)  # per character: 3 bust candidates, icon twice, full
    assert [src for src, width in loaded if width == 0] == []
    assert page.evaluate("document.getElementById('count').textContent") == "2 characters"
    prompt = "document.querySelector('#bob details').textContent"
    assert HOSTILE in page.evaluate(prompt)  # shown as text, never run
    page.type_into("#filter", "grumpy")
    visible = "Array.from(document.querySelectorAll('.row')).filter(r => !r.hidden).map(r => r.id)"
    assert page.evaluate(visible) == ["bob"]
    assert page.evaluate("document.getElementById('count').textContent") == "1 of 2 characters"
    page.type_into("#filter", "digger tessa")
    assert page.evaluate(visible) == ["tessa-quark"]
    page.type_into("#filter", "")
    assert page.evaluate(visible) == ["tessa-quark", "bob"]
    assert page.evaluate("document.scripts.length") == 1
    page.screenshot(shot)
    assert rgb(shot).getpixel((4, 4)) == (34, 34, 34)  # the page's dark header was drawn


def test_gallery_in_a_real_browser(cast_file, cli, tmp_path) -> None:
    gallery_cast(cast_file)
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    with start_browser(tmp_path) as page:
        check_in_browser(page, (dist / "index.html").as_uri(), tmp_path / "gallery-file.png")
        with serve(dist) as base:
            check_in_browser(page, base + "index.html", tmp_path / "gallery-http.png")
            page.open("about:blank")
            page.open(base + "index.html#q=cook")  # a shared link keeps its filter
            assert page.evaluate("document.getElementById('count').textContent") == \
                "1 of 2 characters"


def test_a_sheet_past_the_pixel_limit_is_drawn_anew(cast_file, cli, monkeypatch) -> None:
    """The sheet of a very large cast passes Pillow's decompression-bomb limit: the next
    build draws it from scratch instead of failing with an internal error (exit 3)."""
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    with Image.open(dist / "contact-sheet.png") as sheet:
        pixels = sheet.size[0] * sheet.size[1]
    for limit in (pixels - 1, pixels // 3):  # over the limit (a warning), over twice (an error)
        (dist / "index.html").unlink()  # the site is written again, from renders already made
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
        code, _, err = cli("build")
        assert code == 0, err
        fresh = contact_sheet([("Tessa Quark", dist / "tessa-quark/bust.png"),
                               ("Bob", dist / "bob/bust.png")])
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pixels * 10)
        assert rgb(dist / "contact-sheet.png").tobytes() == rgb(io.BytesIO(fresh)).tobytes()


def test_cells_shrink_for_very_large_casts() -> None:
    from facebuild.sheet import cell_size

    assert [cell_size(n) for n in (10, 500, 2500, 25000)] == [128, 96, 64, 32]
