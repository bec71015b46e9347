"""The site a build of some characters writes (manifest, gallery, contact sheet): made from
the site facebuild wrote last and the entries of the characters planned, byte for byte the
site a build from scratch writes; and made whole when a site file or its record in
.facebuild is not what facebuild wrote."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CAST, CountingBackend

from facebuild import siterecord
from facebuild.cast import load_cast
from facebuild.dist import read_cast_lock
from facebuild.gallery import write_site
from facebuild.lock import read_lock, write_lock
from facebuild.manifest import manifest_bytes, write_manifest

CLI = Callable[..., tuple[int, str, str]]

CREW = "".join(f"  - id: p{i:02d}\n    name: Person {i}\n    role: Crew\n    description: Crew member {i}.\n"
               for i in range(8))
BASE = CAST + CREW


def swap_first_two(text: str) -> str:
    head, first, second, *rest = text.split("  - id: ")
    return "  - id: ".join([head, second.rstrip("\n") + "\n", first.rstrip("\n") + "\n", *rest])


def tree(folder: Path) -> dict[str, bytes]:
    files = {str(p.relative_to(folder)): p.read_bytes() for p in (folder / "dist").rglob("*") if p.is_file()}
    files["cast.lock"] = (folder / "cast.lock").read_bytes()
    return files


EDITS: dict[str, tuple[Callable[[str], str], Callable[[str], str]]] = {
    # (the cast before, the edit)
    "one description": (lambda t: t, lambda t: t.replace("Crew member 3.", "Crew member 3, tall.")),
    "an edit and a new order": (lambda t: t, lambda t: swap_first_two(t.replace("Round cook", "Thin cook"))),
    "an edit that moves an output": (
        lambda t: t.replace("seed: 7\n", "seed: 7\noutput: '{name}/{variant}.{format}'\n"),
        lambda t: t.replace("name: Person 5", "name: Person Five")),
    "candidates": (
        lambda t: t.replace("shoulders portrait}", "shoulders portrait, candidates: 2}"),
        lambda t: t.replace("Crew member 6.", "Crew member 6, with a hat.")),
    "a name the privacy guard redacts": (
        lambda t: t.replace("version: 1\n", "version: 1\nprivacy: {mode: redact}\n").replace(
            "name: Person 2", "name: Mail jane.doe@example.com"),
        lambda t: t.replace("Crew member 2.", "Crew member 2, retired.")),
}


@pytest.mark.parametrize("edit", EDITS)
def test_the_site_after_an_edit_is_the_site_made_from_scratch(
        tmp_path: Path, cli: CLI, counting: type[CountingBackend], edit: str) -> None:
    before, change = EDITS[edit]
    incremental, scratch = tmp_path / "incremental", tmp_path / "scratch"
    incremental.mkdir()
    scratch.mkdir()
    (incremental / "cast.yaml").write_text(before(BASE))
    assert cli("build", str(incremental))[0] == 0
    for round_ in range(2):  # an edit, and an edit of the site that edit wrote
        edited = change(before(BASE))
        edited = edited if round_ == 0 else edited.replace("Crew member 4.", "Four.")
        (incremental / "cast.yaml").write_text(edited)
        code, out, err = cli("build", str(incremental))
        assert code == 0, err
        assert "9996" not in out and " 0 generated" not in out.splitlines()[-1]
        (scratch / "cast.yaml").write_text(edited)
        for stale in (".facebuild", "dist"):
            shutil.rmtree(scratch / stale, ignore_errors=True)
        (scratch / "cast.lock").unlink(missing_ok=True)
        assert cli("build", str(scratch))[0] == 0
        assert tree(incremental) == tree(scratch), edit
    made = [p.read_bytes() for p in (incremental / "dist").rglob("*") if p.is_file()]
    assert not any(b"jane.doe" in data for data in made)


def assert_an_edit_builds_as_from_scratch(folder: Path, cli: CLI) -> None:
    """Edit one character of the cast built in ``folder`` and build: the same dist/ and
    cast.lock as a build of the edited cast from scratch."""
    edited = BASE.replace("Crew member 3.", "Crew member 3, tall.")
    (folder / "cast.yaml").write_text(edited)
    assert cli("build")[0] == 0
    scratch = folder / "scratch"
    scratch.mkdir()
    (scratch / "cast.yaml").write_text(edited)
    assert cli("build", str(scratch))[0] == 0
    assert tree(folder) == tree(scratch)


def built(cast_file: Path, cli: CLI) -> Path:
    cast_file.write_text(BASE)
    assert cli("build")[0] == 0
    return cast_file.parent / "dist"


def test_rows_and_cells_of_characters_outside_the_scope_are_taken_from_the_site_written(
        cast_file: Path, cli: CLI) -> None:
    """A build of some characters does not look at the others: here a name changed outside
    the scope (a build plans every edited character; a library call may say otherwise)
    stays as the page and the sheet have it, while the edited character's row is new."""
    dist = built(cast_file, cli)
    sheet = (dist / "contact-sheet.png").stat()
    cast_file.write_text(BASE.replace("name: Person 1\n", "name: Someone Else\n").replace(
        "name: Bob\n", "name: Bobby\n"))
    cast = load_cast(cast_file)
    write_site(cast, read_cast_lock(cast), scope={"bob"})
    page = (dist / "index.html").read_text()
    assert "<h2>Bobby</h2>" in page and "<h2>Person 1</h2>" in page and "Someone Else" not in page
    assert (dist / "contact-sheet.png").stat().st_mtime_ns != sheet.st_mtime_ns  # Bob's label
    # made whole, the page shows the cast as it is
    write_site(cast, read_cast_lock(cast))
    assert "<h2>Someone Else</h2>" in (dist / "index.html").read_text()


def test_rows_of_targets_not_altered_are_taken_from_the_manifest_written(cast_file: Path, cli: CLI) -> None:
    """The manifest of a build is patched: rows of targets the build did not alter are
    the ones the manifest written last holds (a change no ``put`` made is not seen)."""
    dist = built(cast_file, cli)
    lock = read_cast_lock(load_cast(cast_file))
    unseen = lock.get("p01/bust")
    assert unseen is not None and unseen.render is not None
    unseen.render["prompt"] = "changed in place"  # not altered(): the entry is the one read
    bust = lock.get("bob/bust")
    assert bust is not None
    lock.put("bob/bust", bust._replace(sha256="b" * 64))
    write_lock(cast_file.parent / "cast.lock", lock)
    write_manifest(dist, lock, state=cast_file.parent / ".facebuild",
                   lock_file=cast_file.parent / "cast.lock")
    files = json.loads((dist / "manifest.json").read_text())["files"]
    assert files["bob/bust.png"]["sha256"] == "b" * 64
    assert files["p01/bust.png"]["prompt"] != "changed in place"
    assert (dist / "manifest.json").read_bytes() != manifest_bytes(lock)


def test_the_records_name_the_lock_file_the_site_was_made_from(cast_file: Path, cli: CLI) -> None:
    built(cast_file, cli)
    state, lock_file = cast_file.parent / ".facebuild", cast_file.parent / "cast.lock"
    written = siterecord.identity(lock_file)
    assert written is not None and list(read_lock(lock_file).read_from or ()) == written
    for record in ("gallery.json", "manifest-record.json", "sheet.json"):
        assert json.loads((state / record).read_text())["lock"] == written, record


@pytest.mark.parametrize("file", ["index.html", "manifest.json", "contact-sheet.png"])
@pytest.mark.parametrize("way", ["other bytes", "same size and mtime"])
def test_a_site_file_replaced_by_hand_is_made_whole(tmp_path: Path, cli: CLI, counting: type[CountingBackend],
                                                   file: str, way: str) -> None:
    (tmp_path / "cast.yaml").write_text(BASE)
    assert cli("build")[0] == 0
    path = tmp_path / "dist" / file
    written = path.stat()
    data = path.read_bytes()
    hostile = data.replace(b"Person 1", b"<b>ad</b>") if file == "index.html" else data[:-40] + b"x" * 40
    if way == "other bytes":
        hostile += b" "
    else:
        hostile = hostile[:len(data)].ljust(len(data), b" ")
    path.write_bytes(hostile)
    os.utime(path, ns=(written.st_atime_ns, written.st_mtime_ns))
    assert_an_edit_builds_as_from_scratch(tmp_path, cli)


TAMPERED = {
    "gallery.json": ['{"page": [1, 2, 3, 4, 5], "lock": null}', "[]", "not json", "fifo"],
    "manifest-record.json": ['{"rows": 1}', '{"lock": "x", "manifest": [1]}', "fifo", "x" * 5000],
    "sheet.json": ['{"cells": {"p03": "../../etc/passwd"}}', '{"cells": [], "pages": 1}', "fifo", "[1]"],
}


@pytest.mark.parametrize(("record", "text"), [(r, t) for r, texts in TAMPERED.items() for t in texts])
def test_a_tampered_record_costs_only_time(tmp_path: Path, cli: CLI, counting: type[CountingBackend],
                                           record: str, text: str) -> None:
    (tmp_path / "cast.yaml").write_text(BASE)
    assert cli("build")[0] == 0
    path = tmp_path / ".facebuild" / record
    kept = json.loads(path.read_text())
    path.unlink()
    if text == "fifo":
        os.mkfifo(path)
    else:
        if text.startswith("{") and "lock" not in text:  # the right lock file, a wrong rest
            text = json.dumps({**kept, **json.loads(text)})
        path.write_text(text)
    assert_an_edit_builds_as_from_scratch(tmp_path, cli)


def test_a_row_outside_the_scope_is_never_taken_from_a_page_facebuild_did_not_write(
        cast_file: Path, cli: CLI) -> None:
    dist = built(cast_file, cli)
    index = dist / "index.html"
    page = index.read_text()
    written = index.stat()
    index.unlink()  # a new inode, the same bytes but for one row, the same size and mtime
    index.write_text(page.replace("<h2>Person 4</h2>", "<h2><i>Per</i></h2>"))
    os.utime(index, ns=(written.st_atime_ns, written.st_mtime_ns))
    cast = load_cast(cast_file)
    write_site(cast, read_cast_lock(cast), scope={"bob"})
    assert "<i>Per</i>" not in index.read_text()
    assert re.search(r"<h2>Person 4</h2>", index.read_text())


def test_a_lock_read_from_another_file_than_the_site_was_made_from(cast_file: Path, cli: CLI) -> None:
    """The manifest written last was made from the lock file of the last build: a lock that
    names another file as the one it was read from gets a manifest made whole."""
    dist = built(cast_file, cli)
    lock_file = cast_file.parent / "cast.lock"
    lock = read_cast_lock(load_cast(cast_file))
    unseen = lock.get("p01/bust")
    assert unseen is not None and unseen.render is not None
    unseen.render["prompt"] = "changed in place"  # seen only by a manifest made whole
    bust = lock.get("bob/bust")
    assert bust is not None
    lock.put("bob/bust", bust._replace(sha256="b" * 64))
    write_lock(lock_file, lock)
    now = lock_file.stat()
    lock.read_from = (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns, now.st_ctime_ns)
    write_manifest(dist, lock, state=cast_file.parent / ".facebuild", lock_file=lock_file)
    files = json.loads((dist / "manifest.json").read_text())["files"]
    assert files["bob/bust.png"]["sha256"] == "b" * 64
    assert files["p01/bust.png"]["prompt"] == "changed in place"


def test_an_altered_target_outside_the_scope_gets_its_row_and_cell_made_again(
        cast_file: Path, cli: CLI) -> None:
    """A target of another character put by the build (a killed build's journal replayed)
    is made again from its entry: the page and the sheet are those made whole."""
    dist = built(cast_file, cli)
    cast = load_cast(cast_file)
    lock = read_cast_lock(cast)
    other = lock.get("p02/bust")
    assert other is not None
    (dist / "p02" / "bust.png").write_bytes((dist / "p05" / "bust.png").read_bytes())
    lock.put("p02/bust", other._replace(sha256="c" * 64, render={**(other.render or {}), "prompt": "put"}))
    write_lock(cast_file.parent / "cast.lock", lock)
    write_site(cast, lock, scope={"bob"}, lock_file=cast_file.parent / "cast.lock")
    page = (dist / "index.html").read_bytes()
    sheet = (dist / "contact-sheet.png").read_bytes()
    assert b"?v=cccccccccccc" in page and b"<dd>put</dd>" in page
    write_site(cast, read_cast_lock(cast))  # made whole
    assert (dist / "index.html").read_bytes() == page and (dist / "contact-sheet.png").read_bytes() == sheet


def test_a_build_of_some_characters_parses_no_other_row_of_the_lock(cast_file: Path, cli: CLI) -> None:
    """The lock, the manifest, the page and the sheet of a build of Bob: every other
    character's row of cast.lock stays the text the file holds."""
    dist = built(cast_file, cli)
    cast = load_cast(cast_file)
    lock_file = cast_file.parent / "cast.lock"
    lock = read_lock(lock_file, only=lambda name: name.startswith("bob/"))
    left = lock.unparsed()
    assert left and left == len(lock.names()) - len([n for n in lock.names() if n.startswith("bob/")])
    bust = lock.get("bob/bust")
    assert bust is not None
    lock.put("bob/bust", bust._replace(sha256="b" * 64))
    write_lock(lock_file, lock)
    write_manifest(dist, lock, state=cast_file.parent / ".facebuild", lock_file=lock_file)
    write_site(cast, lock, scope={"bob"}, lock_file=lock_file)
    assert lock.unparsed() == left
    assert json.loads((dist / "manifest.json").read_text())["files"]["bob/bust.png"]["sha256"] == "b" * 64
