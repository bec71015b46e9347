"""Rows of dist/index.html taken over from the page facebuild wrote last: the same page as
one made whole, and never from a page facebuild did not write."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from conftest import CAST

from facebuild.cast import load_cast
from facebuild.dist import read_cast_lock
from facebuild.gallery import gallery_html, write_site

HOSTILE = "<b>Tess</b>"
"""Markup in place of 'Tessa Quark': a page of the same size."""


def rows(page: str) -> dict[str, str]:
    return {ident: row for row, ident in
            re.findall(r'(<section class="row" id="([^"]+)".*?</section>)', page, re.S)}


def row_ids(page: str) -> list[str]:
    return re.findall(r'<section class="row" id="([^"]+)"', page)


def made_whole(cast_file: Path) -> str:
    cast = load_cast(cast_file)
    return gallery_html(cast, read_cast_lock(cast), sheet_pages=1)


def test_rows_taken_over_make_the_page_made_whole(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    index = cast_file.parent / "dist" / "index.html"
    assert json.loads((cast_file.parent / ".facebuild" / "gallery.json").read_text())["page"][1] == \
        index.stat().st_ino  # the page facebuild wrote
    first = index.read_text()
    cast_file.write_text(CAST.replace("name: Bob", "name: Bobby").replace(
        "Round cook with a beard.", "Round cook with a beard & a hat."))
    assert cli("build")[0] == 0
    second = index.read_text()
    assert second == made_whole(cast_file)
    assert rows(second)["tessa-quark"] == rows(first)["tessa-quark"]
    assert "<h2>Bobby</h2>" in rows(second)["bob"] and "a beard &amp; a hat." in rows(second)["bob"]
    # the order of the cast, with every row taken over
    swapped = CAST.replace("name: Bob", "name: Bobby").replace(
        "Round cook with a beard.", "Round cook with a beard & a hat.")
    head, people = swapped.split("characters:\n")
    tessa, bob = people.split("  - id: bob\n")
    cast_file.write_text(head + "characters:\n  - id: bob\n" + bob + tessa)
    cast = load_cast(cast_file)
    write_site(cast, read_cast_lock(cast))
    third = index.read_text()
    assert row_ids(third) == ["bob", "tessa-quark"] and rows(third) == rows(second)
    assert third == made_whole(cast_file)


def test_a_page_facebuild_did_not_write_gives_no_row(cast_file: Path, cli) -> None:
    """A row a person or a tool put in the page (here: markup, under the key of a row that
    did not change, in a page of the same size and mtime) is not taken over, however the
    page got there."""
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    index = dist / "index.html"
    page = index.read_text()
    hostile = page.replace("<h2>Tessa Quark</h2>", f"<h2>{HOSTILE}</h2>")
    assert len(hostile) == len(page)
    ways = {
        "edited in place": lambda: index.write_text(hostile),
        "replaced": lambda: (index.unlink(), index.write_text(hostile)),
        "copied with its times": lambda: (Path("hostile.html").write_text(hostile),
                                          shutil.copy2("hostile.html", index)),
    }
    for number, (way, put) in enumerate(ways.items()):
        written = index.stat()
        put()
        os.utime(index, ns=(written.st_atime_ns, written.st_mtime_ns))  # the mtime facebuild left
        cast_file.write_text(CAST.replace("name: Bob", f"name: Bob {number}"))
        assert cli("build")[0] == 0, way
        rebuilt = index.read_text()
        assert HOSTILE not in rebuilt and rebuilt == made_whole(cast_file), way


def test_a_record_that_says_anything_else_costs_only_time(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    record = cast_file.parent / ".facebuild" / "gallery.json"
    index = cast_file.parent / "dist" / "index.html"
    for number, text in enumerate(['{"page": [1, 2, 3, 4, 5]}', "[]", "not json", '{"page": "x"}',
                                   json.dumps({"page": [0] * 5}) + " " * 5000]):
        record.write_text(text)
        cast_file.write_text(CAST.replace("name: Bob", f"name: Bob {number}"))
        assert cli("build")[0] == 0
        assert index.read_text() == made_whole(cast_file)
    record.unlink()
    record.symlink_to(cast_file.parent / "elsewhere.json")
    cast_file.write_text(CAST)
    assert cli("build")[0] == 0
    assert index.read_text() == made_whole(cast_file)
    assert not (cast_file.parent / "elsewhere.json").exists()


def test_an_entry_without_keys_is_keyed_by_all_it_shows(cast_file: Path, cli) -> None:
    """An entry of a hand-made lock without keys: a new prompt is a new row."""
    assert cli("build")[0] == 0
    cast = load_cast(cast_file)
    lock = read_cast_lock(cast)
    index = cast_file.parent / "dist" / "index.html"
    for name, entry in list(lock.entries.items()):
        lock.entries[name] = entry._replace(output_key=None, render_key=None)
    write_site(cast, lock)
    assert index.read_text() == gallery_html(cast, lock)
    entry = lock.entries["bob/bust"]
    lock.entries["bob/bust"] = entry._replace(render={**(entry.render or {}), "prompt": "a new\0prompt"})
    write_site(cast, lock)
    page = index.read_text()
    assert page == gallery_html(cast, lock) and "<dd>a new\0prompt</dd>" in rows(page)["bob"]


def test_what_stands_in_place_of_the_page_is_replaced_not_read(cast_file: Path, cli) -> None:
    """A link (here to a folder outside dist) where the page goes is replaced, never
    followed; a lone surrogate in a hand-made lock's prompt becomes '?', not a crash."""
    assert cli("build")[0] == 0
    cast = load_cast(cast_file)
    lock = read_cast_lock(cast)
    index = cast_file.parent / "dist" / "index.html"
    outside = cast_file.parent / "outside"
    outside.mkdir()
    index.unlink()
    index.symlink_to(outside)
    entry = lock.entries["bob/bust"]
    lock.entries["bob/bust"] = entry._replace(render={**(entry.render or {}), "prompt": "half \ud800 a pair"})
    write_site(cast, lock)
    assert not index.is_symlink() and outside.is_dir() and list(outside.iterdir()) == []
    assert "<dd>half ? a pair</dd>" in rows(index.read_text())["bob"]
