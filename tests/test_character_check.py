"""After a complete build, a cast whose characters moved or only some of whose characters
changed is not planned again as a whole: a new order is a no-op, and an edit plans only the
characters edited. Either way dist/ and cast.lock end up byte for byte as a build from
scratch would leave them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CAST, CountingBackend, build_importing

from facebuild import uptodate

CLI = Callable[..., tuple[int, str, str]]

AMY = """\
  - id: amy
    name: Amy
    role: Pilot
    description: Tall pilot with a scarf.
"""
MORE = CAST + AMY
NO_OP = "built: 0 generated, 0 derived, 9 cached, 0 failed (0 renders)"


def swap_first_two(text: str) -> str:
    head, first, second, *rest = text.split("  - id: ")
    return "  - id: ".join([head, second.rstrip("\n") + "\n", first.rstrip("\n") + "\n", *rest])


def verdict(folder: Path) -> uptodate.Verdict | None:
    """What the stamp says now, asked with the arguments it was written for."""
    stamp = uptodate.stamp_path(folder)
    return uptodate.check(folder, json.loads(stamp.read_text())["args"]) if stamp.exists() else None


def tree(folder: Path) -> dict[str, bytes]:
    """Every file a build leaves for people: dist/ and the lock."""
    files = {str(p.relative_to(folder)): p.read_bytes() for p in (folder / "dist").rglob("*") if p.is_file()}
    files["cast.lock"] = (folder / "cast.lock").read_bytes()
    return files


def test_a_new_order_of_characters_is_a_no_op(tmp_path: Path, cli: CLI,
                                              counting: type[CountingBackend]) -> None:
    (tmp_path / "cast.yaml").write_text(MORE)
    cli("build")
    before = tree(tmp_path)
    calls = len(counting.calls)
    (tmp_path / "cast.yaml").write_text(swap_first_two(MORE))
    found = verdict(tmp_path)
    assert found is not None and found.edited == frozenset()
    code, out, _ = cli("build")
    assert (code, out.splitlines()[-1]) == (0, NO_OP)
    code, out, _ = cli("diff", "--exit-code")
    assert (code, out.strip()) == (0, "9 unchanged; a build would make 0 generations")
    assert len(counting.calls) == calls and tree(tmp_path) == before


def test_a_new_order_loads_nothing_heavy(tmp_path: Path) -> None:
    cast = tmp_path / "cast.yaml"
    cast.write_text(MORE.replace("{name: counting}", "{name: sketch}"))
    subprocess.run([sys.executable, "-m", "facebuild", "build", "-q"], cwd=tmp_path, check=True)
    cast.write_text(swap_first_two(cast.read_text()) + "# reordered\n")
    imported, printed = build_importing(tmp_path)
    assert imported == ["yaml"]  # the cast file is parsed again, nothing more
    assert "9 cached" in printed


EDITS = {  # an edit, and the renders it needs (bust and full of each character edited)
    "description": (lambda t: t.replace("Round cook with a beard.", "Round cook, clean-shaven."), 2),
    "pinned seed": (lambda t: t.replace("    role: Cook\n", "    role: Cook\n    seed: 42\n"), 2),
    "fewer variants": (lambda t: t.replace("    role: Cook\n",
                                           "    role: Cook\n    variants: [bust, icon]\n"), 0),
    "two characters": (lambda t: t.replace("Round cook", "Square cook").replace("with a scarf", "with a cap"),
                       4),
    "an edit and a new order": (lambda t: swap_first_two(t.replace("Tall pilot", "Short pilot")), 2),
}


@pytest.mark.parametrize("edit", EDITS)
def test_an_edit_plans_only_its_characters_and_ends_as_a_full_build(
        tmp_path: Path, cli: CLI, counting: type[CountingBackend],
        edit: str) -> None:
    change, renders_needed = EDITS[edit]
    edited = change(MORE)
    incremental, scratch = tmp_path / "incremental", tmp_path / "scratch"
    incremental.mkdir()
    scratch.mkdir()
    (incremental / "cast.yaml").write_text(MORE)
    cli("build", str(incremental))
    (incremental / "cast.yaml").write_text(edited)
    found = verdict(incremental)
    assert found is not None and found.edited and found.edited <= {"bob", "amy"}
    calls = len(counting.calls)
    code, out, err = cli("build", str(incremental))
    assert code == 0, err
    renders = len(counting.calls) - calls
    assert out.splitlines()[-1].endswith(f"({renders} renders)")
    assert renders == renders_needed
    (scratch / "cast.yaml").write_text(edited)
    assert cli("build", str(scratch))[0] == 0
    assert tree(incremental) == tree(scratch)
    # and the stamp written after it answers the next build at once
    assert verdict(incremental) == verdict(incremental) is not None
    code, out, _ = cli("diff", str(incremental), "--exit-code")
    assert code == 0


def test_an_edited_included_character(tmp_path: Path, cli: CLI,
                                      counting: type[CountingBackend]) -> None:
    (tmp_path / "cast.yaml").write_text(CAST + "include: [people.yaml]\n")
    (tmp_path / "people.yaml").write_text("characters:\n" + AMY)
    cli("build", str(tmp_path))
    (tmp_path / "people.yaml").write_text("characters:\n" + AMY.replace("Tall", "Short"))
    found = verdict(tmp_path)
    assert found is not None and found.edited == {"amy"}
    code, out, _ = cli("build", str(tmp_path))
    assert out.splitlines()[-1] == "built: 3 generated, 0 derived, 6 cached, 0 failed (2 renders)"


@pytest.mark.parametrize("change", [
    lambda t: t + AMY.replace("amy", "zed"),                       # a character added
    lambda t: t.replace(AMY, ""),                                  # one removed
    lambda t: t.replace("A harbour town.", "A mountain town."),    # the world
    lambda t: t.replace("id: amy", "id: amelia"),                  # an id: removed and added
])
def test_anything_else_is_planned_whole(tmp_path: Path, cli: CLI, counting: type[CountingBackend],
                                        change: Callable[[str], str]) -> None:
    (tmp_path / "cast.yaml").write_text(MORE)
    cli("build")
    (tmp_path / "cast.yaml").write_text(change(MORE))
    assert verdict(tmp_path) is None


def test_an_edit_that_takes_another_characters_file_is_refused(
        tmp_path: Path, cli: CLI, counting: type[CountingBackend]) -> None:
    named = MORE.replace("seed: 7\n", "seed: 7\noutput: '{name}/{variant}.{format}'\n")
    (tmp_path / "cast.yaml").write_text(named)
    cli("build")
    before = tree(tmp_path)
    (tmp_path / "cast.yaml").write_text(named.replace("name: Amy", "name: Bob"))
    code, _, err = cli("build")
    assert code == 2, err
    assert err.strip().splitlines()[-1].startswith("error: ")
    assert "targets bob/bust and amy/bust would both write bob/bust.png" in err
    assert tree(tmp_path) == before


@pytest.mark.parametrize("stamp", ["[]", '{"version": 3}', '{"version": 3, "args": 1, "lock": 5}',
                                   "not json", '{"version": 3, "lock": ["cast.lock"]}'])
def test_a_stamp_of_the_wrong_shape_means_look_at_everything(
        tmp_path: Path, cli: CLI, counting: type[CountingBackend], stamp: str) -> None:
    (tmp_path / "cast.yaml").write_text(MORE)
    cli("build")
    stamp_file = uptodate.stamp_path(tmp_path)
    recorded = json.loads(stamp_file.read_text())
    stamp_file.write_text(stamp if stamp != '{"version": 3, "lock": ["cast.lock"]}'
                          else json.dumps({**recorded, "lock": ["cast.lock"]}))
    assert uptodate.check(tmp_path, recorded["args"]) is None
    code, out, _ = cli("build")
    assert (code, out.splitlines()[-1]) == (0, NO_OP)


def test_diff_after_an_edit_says_what_a_whole_diff_says(tmp_path: Path, cli: CLI,
                                                        counting: type[CountingBackend]) -> None:
    (tmp_path / "cast.yaml").write_text(MORE)
    cli("build")
    (tmp_path / "cast.yaml").write_text(EDITS["description"][0](MORE))
    partial = cli("diff", "--exit-code")
    uptodate.stamp_path(tmp_path).unlink()
    whole = cli("diff", "--exit-code")
    assert partial == whole
    assert partial[0] == 1
    assert partial[1].splitlines()[-1] == "3 changed, 6 unchanged; a build would make 2 generations"


def test_outputs_of_another_stamp_mean_look_at_everything(tmp_path: Path, cli: CLI,
                                                          counting: type[CountingBackend]) -> None:
    """The outputs' fingerprints live beside the stamp; a file of another stamp (an old
    copy, a crafted one) is never read as this one's."""
    (tmp_path / "cast.yaml").write_text(MORE)
    cli("build")
    key = json.loads(uptodate.stamp_path(tmp_path).read_text())["args"]
    outputs = uptodate.outputs_path(tmp_path)
    assert uptodate.check(tmp_path, key) is not None
    written = json.loads(outputs.read_text())
    outputs.write_text(json.dumps({**written, "token": "0" * 16}))
    assert uptodate.check(tmp_path, key) is None
    outputs.unlink()
    assert uptodate.check(tmp_path, key) is None
    code, out, _ = cli("build")
    assert (code, out.splitlines()[-1]) == (0, NO_OP)
    assert uptodate.check(tmp_path, key) is not None


def test_a_contact_sheet_page_deleted_by_hand_is_a_change(tmp_path: Path, cli: CLI,
                                                          counting: type[CountingBackend]) -> None:
    people = "".join(f"  - {{id: p-{i:02d}, name: P {i}, description: Person {i}.}}\n" for i in range(61))
    (tmp_path / "cast.yaml").write_text(CAST.split("characters:\n")[0] + "characters:\n" + people)
    cli("build")
    key = json.loads(uptodate.stamp_path(tmp_path).read_text())["args"]
    assert uptodate.check(tmp_path, key) is not None
    (tmp_path / "dist" / "contact-sheet-2.png").unlink()
    assert uptodate.check(tmp_path, key) is None


def test_an_edit_that_moves_its_outputs_ends_as_a_full_build(
        tmp_path: Path, cli: CLI, counting: type[CountingBackend]) -> None:
    """A new name under an output pattern with {name}: the files move, the old ones go."""
    named = MORE.replace("seed: 7\n", "seed: 7\noutput: '{name}/{variant}.{format}'\n")
    incremental, scratch = tmp_path / "incremental", tmp_path / "scratch"
    incremental.mkdir()
    scratch.mkdir()
    (incremental / "cast.yaml").write_text(named)
    cli("build", str(incremental))
    edited = named.replace("name: Amy", "name: Amelia")
    (incremental / "cast.yaml").write_text(edited)
    found = verdict(incremental)
    assert found is not None and found.edited == {"amy"}
    assert cli("build", str(incremental))[0] == 0
    (scratch / "cast.yaml").write_text(edited)
    assert cli("build", str(scratch))[0] == 0
    assert tree(incremental) == tree(scratch)
    assert not (incremental / "dist" / "amy").exists()
    assert (incremental / "dist" / "amelia" / "bust.png").is_file()
    after = verdict(incremental)  # the next build is a no-op, and knows the old files are gone
    assert after is not None and after.outputs is not None
    assert not [f for f in after.outputs if "/dist/amy/" in f]
    assert [f for f in after.outputs if "/dist/amelia/" in f]


def test_the_collector_is_on_again_after_a_no_op(tmp_path: Path, cli: CLI,
                                                 counting: type[CountingBackend]) -> None:
    """The no-op path turns the garbage collector off while it reads the stamp; main(),
    also called in-process by tools and tests, turns it back on."""
    import gc

    (tmp_path / "cast.yaml").write_text(MORE)
    cli("build")
    (tmp_path / "cast.yaml").write_text(swap_first_two(MORE))
    assert cli("build")[1].splitlines()[-1] == NO_OP
    assert gc.isenabled()
    assert cli("diff")[0] == 0
    assert gc.isenabled()


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_a_stamp_that_is_no_file_facebuild_wrote_is_not_read(tmp_path: Path, cli: CLI,
                                                             counting: type[CountingBackend],
                                                             kind: str) -> None:
    """``.facebuild/`` is untrusted: a FIFO there would block a read, a sparse file of
    gigabytes would fill memory. Either is ignored and the cast is looked at whole."""
    (tmp_path / "cast.yaml").write_text(MORE)
    cli("build")
    key = json.loads(uptodate.stamp_path(tmp_path).read_text())["args"]
    for path in (uptodate.stamp_path(tmp_path), uptodate.outputs_path(tmp_path)):
        kept = path.read_bytes()
        path.unlink()
        if kind == "fifo":
            os.mkfifo(path)
        else:
            with path.open("wb") as handle:
                handle.truncate(uptodate.MAX_STAMP_BYTES + 1)
        assert uptodate.check(tmp_path, key) is None
        path.unlink()
        path.write_bytes(kept)
    code, out, _ = cli("build")
    assert (code, out.splitlines()[-1]) == (0, NO_OP)
