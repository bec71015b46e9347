"""The contact sheet in pages: a cast past the bound gets several PNGs, each linked from
the gallery; an edit redraws only the page it is on; pages left by a longer cast go."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from conftest import CAST
from PIL import Image

from facebuild.cast import load_cast
from facebuild.dist import read_cast_lock
from facebuild.gallery import write_site
from facebuild.sheet import PAGE_CELLS, contact_sheet, page_path
from facebuild.sheetdraw import columns_for, sheet_size

NAMES = ["Ada", "Bo", "Cy", "Di", "Ed"]


def five(cast_file: Path) -> Path:
    """The test cast with five characters, each its own flat colour."""
    people = "".join(f"  - id: {n.lower()}\n    name: {n}\n    role: Crew\n"
                     f"    description: Crew member {n}.\n" for n in NAMES)
    cast_file.write_text(CAST.split("characters:\n")[0] + "characters:\n" + people)
    return cast_file


def rgb(data: Path | bytes) -> Image.Image:
    with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as image:
        return image.convert("RGB")


def cells_of(page: Path) -> list[str]:
    with Image.open(page) as image:
        return list(json.loads(image.info["facebuild:sheet"])["cells"])


def pages_of(dist: Path) -> list[Path]:
    return sorted(dist.glob("contact-sheet*.png"))


def test_a_sheet_past_its_bound_comes_in_pages_linked_from_the_gallery(cast_file, cli) -> None:
    five(cast_file)
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    assert pages_of(dist) == [dist / "contact-sheet.png"]  # 5 fit one page of the default
    cast = load_cast(cast_file)
    write_site(cast, read_cast_lock(cast), page_cells=2)
    first = dist / "contact-sheet.png"
    pages = [first, dist / "contact-sheet-2.png", dist / "contact-sheet-3.png"]
    assert pages_of(dist) == sorted(pages)
    assert [len(cells_of(p)) for p in pages] == [2, 2, 1]
    columns = columns_for(2)  # every page is as wide as a full one
    assert [rgb(p).size for p in pages] == [sheet_size(2, 128, columns)] * 2 + [sheet_size(1, 128, columns)]
    # each page is the sheet of its characters, in cast order
    for number, page in enumerate(pages, 1):
        names = NAMES[(number - 1) * 2:number * 2]
        fresh = contact_sheet([(n, dist / n.lower() / "bust.png") for n in names], cell=128, columns=columns)
        assert rgb(page).tobytes() == rgb(fresh).tobytes()
    # the pixels of a cell: Ed's flat bust fills the first cell of page 3
    assert rgb(pages[2]).getpixel((8 + 64, 8 + 64)) == rgb(dist / "ed/bust.png").getpixel((128, 128))
    page = (dist / "index.html").read_text()
    assert re.findall(r'<section class="row" id="([^"]+)"', page) == [n.lower() for n in NAMES]
    assert '<a href="#sheets">contact sheet (3 pages)</a>' in page
    links = re.findall(r'<nav id="sheets">[^<]*((?:<a href="[^"]+">\d+</a> ?)+)</nav>', page)
    assert re.findall(r'href="([^"]+)"', links[0]) == [p.name for p in pages]


def test_an_edit_redraws_only_its_page(cast_file, cli) -> None:
    five(cast_file)
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    cast = load_cast(cast_file)
    write_site(cast, read_cast_lock(cast), page_cells=2)
    pages = pages_of(dist)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in pages}
    cast_file.write_text(cast_file.read_text().replace("name: Cy", "name: Cyrus"))
    cast = load_cast(cast_file)
    write_site(cast, read_cast_lock(cast), page_cells=2)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in pages}
    assert [p.name for p in pages if after[p] != before[p]] == ["contact-sheet-2.png"]
    fresh = contact_sheet([("Cyrus", dist / "cy/bust.png"), ("Di", dist / "di/bust.png")],
                          cell=128, columns=2)
    assert rgb(dist / "contact-sheet-2.png").tobytes() == rgb(fresh).tobytes()
    write_site(cast, read_cast_lock(cast), page_cells=2)  # nothing changed: nothing written
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in pages} == after


def test_pages_a_longer_sheet_left_are_removed_and_nothing_else(cast_file, cli) -> None:
    five(cast_file)
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    cast = load_cast(cast_file)
    lock = read_cast_lock(cast)
    write_site(cast, lock, page_cells=1)
    assert len(pages_of(dist)) == 5
    mine = dist / "contact-sheet-7.png"  # the user's own, after a gap
    Image.new("RGB", (4, 4)).save(mine)
    outside = cast_file.parent / "outside.png"
    Image.new("RGB", (4, 4)).save(outside)
    (dist / "contact-sheet-5.png").unlink()
    (dist / "contact-sheet-5.png").symlink_to(outside)  # a link is never followed nor removed
    write_site(cast, lock, page_cells=2)
    assert [p.name for p in pages_of(dist)] == [
        "contact-sheet-2.png", "contact-sheet-3.png", "contact-sheet-5.png", "contact-sheet-7.png",
        "contact-sheet.png"]
    assert len(cells_of(dist / "contact-sheet-3.png")) == 1
    assert (dist / "contact-sheet-4.png").exists() is False
    assert outside.is_file() and (dist / "contact-sheet-5.png").is_symlink()


def test_the_build_pages_at_the_bound_and_the_command_as_well(cast_file, cli) -> None:
    """PAGE_CELLS characters fill one page; one more starts page 2, and renaming that one
    leaves page 1 as it is. ``facebuild sheet`` pages the same way."""
    people = "".join(f"  - id: p{i}\n    name: P{i}\n    description: Crew member {i}.\n"
                     for i in range(PAGE_CELLS + 1))
    cast_file.write_text(CAST.split("variants:\n")[0] + "variants:\n  bust: {size: 8}\n"
                         "characters:\n" + people)
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    first, second = dist / "contact-sheet.png", dist / "contact-sheet-2.png"
    assert pages_of(dist) == [second, first]
    assert (len(cells_of(first)), len(cells_of(second))) == (PAGE_CELLS, 1)
    assert 'href="contact-sheet-2.png">2</a>' in (dist / "index.html").read_text()
    stamp = first.stat().st_mtime_ns, second.read_bytes()
    cast_file.write_text(cast_file.read_text().replace(f"name: P{PAGE_CELLS}\n", "name: Last\n"))
    assert cli("build")[0] == 0
    assert first.stat().st_mtime_ns == stamp[0] and second.read_bytes() != stamp[1]
    code, out, _ = cli("sheet", "-o", "all.png")
    assert code == 0
    assert out.strip() == (f"wrote all.png ... {page_path(Path('all.png'), 2)}: "
                           f"{PAGE_CELLS + 1} characters in 2 pages")
    assert rgb(Path("all-2.png")).tobytes() == rgb(second).tobytes()


def test_page_names_are_facebuilds_own(cast_file, cli) -> None:
    """No target may be written where a page goes, and ``clean`` counts pages as
    facebuild's own files, not as files it left alone."""
    five(cast_file)
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    cast = load_cast(cast_file)
    write_site(cast, read_cast_lock(cast), page_cells=2)
    code, out, _ = cli("clean", "--json")
    assert code == 0 and json.loads(out)["left"] == []
    cast_file.write_text(cast_file.read_text().replace(
        "portrait}", 'portrait, output: "{character}.{format}"}').replace("id: ed", "id: contact-sheet-2"))
    code, _, err = cli("build")
    assert code == 2 and err.count("\n") == 1
    assert "'contact-sheet-2.png', is a file facebuild writes for the whole cast" in err
    assert len(cells_of(dist / "contact-sheet-2.png")) == 2  # the page is as it was
