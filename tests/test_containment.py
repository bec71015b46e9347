"""Nothing a cast or a lock says makes facebuild write, read or delete outside dist, or
touch a file in dist it did not make (issue: untrusted input stays contained)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from conftest import CAST

from facebuild.diststate import MAX_STATE_BYTES, DistState


def set_output(cast_file: Path, pattern: str) -> None:
    text = cast_file.read_text().replace("seed: 7\n", f"seed: 7\noutput: {json.dumps(pattern)}\n")
    cast_file.write_text(text)


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.mark.parametrize("pattern", [
    "{character:.^2.0}/{character:.^2.0}/X-{character}/{variant}.{format}",  # two levels up
    "{character:/<1.0}tmp/X-{character}/{variant}.{format}",                # an absolute path
    "{character!r}/{variant}.{format}",
    "{character.__class__}/{variant}.{format}",
    "{character[0]}/{variant}.{format}",
    "{character}/\a{variant}.{format}",
])
def test_an_output_pattern_that_is_not_plain_fields_is_a_cast_error(
        tmp_path: Path, cast_file: Path, cli, pattern: str) -> None:
    project = tmp_path / "deep" / "er"
    project.mkdir(parents=True)
    cast = cast_file.rename(project / "cast.yaml")
    set_output(cast, pattern)
    before = files_under(tmp_path)
    code, out, err = cli("build", str(cast))
    assert code == 2, out + err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: deep/er/cast.yaml:9:1: output: ")
    assert "Traceback" not in err
    assert files_under(tmp_path) == before  # nothing written anywhere, dist included


def test_name_is_the_characters_name_as_a_file_name(cast_file: Path, cli) -> None:
    set_output(cast_file, "{name}_{variant}.{format}")
    text = cast_file.read_text().replace("name: Bob\n", "name: ../../Bob\u202e/Ünal\n")
    cast_file.write_text(text)
    code, out, err = cli("build")
    assert code == 0, out + err
    dist = cast_file.parent / "dist"
    assert {"tessa_quark_bust.png", "bobunal_full.png"} <= {p.name for p in dist.iterdir()}
    assert not (cast_file.parent / "Bob").exists()


def test_an_output_field_from_a_character_key_must_be_one_file_name(cast_file: Path, cli) -> None:
    set_output(cast_file, "{team}/{character}/{variant}.{format}")
    text = cast_file.read_text()
    text = text.replace("    role: Digger\n", "    role: Digger\n    team: Crew_A\n")
    text = text.replace("    role: Cook\n", "    role: Cook\n    team: ../../outside\n")
    cast_file.write_text(text)
    code, out, err = cli("build")
    assert code == 2
    assert "output field {team} of characters[bob] must be a file name" in err
    cast_file.write_text(text.replace("team: ../../outside", "team: Galley.2"))
    code, out, err = cli("build")
    assert code == 0, out + err
    assert (cast_file.parent / "dist/Crew_A/tessa-quark/bust.png").is_file()
    assert (cast_file.parent / "dist/Galley.2/bob/full.png").is_file()


# --- a crafted lock --------------------------------------------------------------------

def craft_lock(project: Path, entries: dict[str, object]) -> None:
    (project / "cast.lock").write_text(json.dumps({"version": 1, "targets": entries}))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file and its folder beside the project, where no build may reach."""
    path = tmp_path / "victims" / "victim.txt"
    path.parent.mkdir()
    path.write_text("precious")
    return path


@pytest.mark.parametrize("how", ["relative", "absolute"])
@pytest.mark.parametrize("command", ["build", "clean"])
def test_a_lock_naming_a_file_outside_dist_is_refused(
        tmp_path: Path, cast_file: Path, cli, victim: Path, how: str, command: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    cast = cast_file.rename(project / "cast.yaml")
    file = "../../victims/victim.txt" if how == "relative" else str(victim)
    craft_lock(project, {"gone/bust": {"file": file, "sha256": sha(victim)}})
    code, out, err = cli(command, str(cast))
    assert code == 2, out + err
    assert len(err.strip().splitlines()) == 1
    assert "project/cast.lock" in err and "targets['gone/bust']" in err and "file:" in err
    assert victim.read_text() == "precious"
    assert victim.parent.is_dir()


@pytest.mark.parametrize("command", ["build", "clean"])
def test_a_link_in_dist_to_outside_is_never_followed_to_delete(
        tmp_path: Path, cast_file: Path, cli, victim: Path, command: str) -> None:
    dist = cast_file.parent / "dist"
    dist.mkdir()
    (dist / "gone").symlink_to(victim.parent, target_is_directory=True)
    (dist / "one.png").symlink_to(victim)
    craft_lock(cast_file.parent, {"gone/bust": {"file": "gone/victim.txt", "sha256": sha(victim)},
                                  "one/bust": {"file": "one.png", "sha256": sha(victim)}})
    code, out, err = cli(command)
    assert code == 0, out + err
    assert victim.read_text() == "precious"
    assert (dist / "gone").is_symlink() and (dist / "one.png").is_symlink()
    # dist state that vouches for the file outside (its size, time and digest) changes nothing
    stat = victim.stat()
    state = {"gone/victim.txt": [stat.st_size, stat.st_mtime_ns, sha(victim)]}
    (cast_file.parent / ".facebuild" / "dist-state.json").write_text(json.dumps(state))
    code, out, err = cli(command, "--force") if command == "build" else cli(command)
    assert code == 0, out + err
    assert victim.read_text() == "precious"


@pytest.mark.parametrize("lock", [
    [],
    {"version": 1, "targets": [["bob/bust", "bob/bust.png"]]},
    {"version": 1, "targets": {"bob/bust": "bob/bust.png"}},
    {"version": 1, "targets": {"bob/bust": {"file": "bob/bust.png", "sha256": 5}}},
    {"version": 1, "targets": {"bob/bust": {"file": 7, "sha256": "0" * 64}}},
    {"version": 1, "targets": {"bob/bust": {"file": "bob/bust.png", "sha256": "0" * 64,
                                            "render": "a prompt"}}},
])
def test_a_lock_of_the_wrong_shape_is_one_line(cast_file: Path, cli, lock: object) -> None:
    (cast_file.parent / "cast.lock").write_text(json.dumps(lock))
    for command in ("build", "diff", "clean"):
        code, out, err = cli(command)
        assert code == 2, out + err
        assert len(err.strip().splitlines()) == 1 and "cast.lock" in err, err


def test_a_lock_with_a_5000_digit_number_is_one_line(cast_file: Path, cli) -> None:
    (cast_file.parent / "cast.lock").write_text('{"version": 1, "seed": ' + "9" * 5000 + "}")
    code, out, err = cli("build")
    assert code == 2 and "cast.lock is not valid JSON" in err


def test_a_journal_entry_outside_dist_is_refused(cast_file: Path, cli, victim: Path) -> None:
    journal = cast_file.parent / ".facebuild" / "journal.jsonl"
    journal.parent.mkdir()
    record = {"target": "gone/bust", "entry": {"file": "../../victims/victim.txt",
                                               "sha256": sha(victim)}}
    journal.write_text(json.dumps(record) + "\n")
    code, out, err = cli("build")
    assert code == 2 and "journal.jsonl:1" in err and "leaves dist" in err
    assert victim.read_text() == "precious"


# --- files facebuild did not make ------------------------------------------------------

@pytest.mark.parametrize("dist", [".", "..", "/", ".facebuild/out"])
def test_a_dist_holding_the_cast_is_refused(cast_file: Path, cli, dist: str) -> None:
    cast_file.write_text(cast_file.read_text().replace("seed: 7\n", f"seed: 7\ndist: {dist}\n"))
    before = files_under(cast_file.parent)
    code, out, err = cli("build")
    assert code == 2, out + err
    assert err.startswith("error: cast.yaml:9:1: dist: ")
    assert files_under(cast_file.parent) == before


def test_dist_being_a_file_is_one_line(cast_file: Path, cli) -> None:
    (cast_file.parent / "dist").write_text("not a folder")
    code, out, err = cli("build")
    assert code == 2, out + err
    assert len(err.strip().splitlines()) == 1 and "is a file, not a folder" in err
    assert (cast_file.parent / "dist").read_text() == "not a folder"


def test_a_users_temp_files_survive_and_only_facebuilds_are_swept(cast_file: Path, cli) -> None:
    dist = cast_file.parent / "dist"
    dist.mkdir()
    mine = [dist / "notes.tmp", dist / ".draft.png.tmp", dist / ".bust.png.abc123.tmp"]
    for path in mine:
        path.write_text("mine")
    leftover = dist / "bob" / ".facebuild-tmp-bust.png.x1y2z3"
    leftover.parent.mkdir()
    leftover.write_bytes(b"half a png")
    code, out, err = cli("build")
    assert code == 0, out + err
    assert all(path.read_text() == "mine" for path in mine)
    assert leftover.exists()  # no journal: no build was killed, nothing is swept
    (cast_file.parent / ".facebuild" / "journal.jsonl").write_text("")  # as a killed build leaves
    assert cli("build", "--force")[0] == 0
    assert not leftover.exists()
    assert all(path.read_text() == "mine" for path in mine)


def test_a_file_in_the_way_of_a_new_target_is_kept_until_force(cast_file: Path, cli) -> None:
    theirs = cast_file.parent / "dist" / "bob" / "bust.png"
    theirs.parent.mkdir(parents=True)
    theirs.write_bytes(b"somebody's own picture")
    code, out, err = cli("build")
    assert code == 0, out + err
    assert "kept  bob/bust: a file facebuild did not make is in the way, not overwritten" in out
    assert theirs.read_bytes() == b"somebody's own picture"
    code, out, _ = cli("diff")
    assert "edited" in out and "bob/bust" in out
    code, out, _ = cli("build", "--force")
    assert code == 0 and theirs.read_bytes().startswith(b"\x89PNG")
    code, out, _ = cli("build")
    assert "kept" not in out and "0 generated, 0 derived" in out


def test_an_output_written_but_not_recorded_is_adopted_not_kept(cast_file: Path, cli) -> None:
    """A build killed between renaming an output into place and recording it leaves a file
    holding exactly what the next build would write: that is facebuild's own work."""
    assert cli("build")[0] == 0
    dist, lock_path = cast_file.parent / "dist", cast_file.parent / "cast.lock"
    made = (dist / "bob" / "full.png").read_bytes()
    lock = json.loads(lock_path.read_text())
    del lock["targets"]["bob/full"]  # the record the killed build did not get to write
    lock_path.write_text(json.dumps(lock))
    code, out, err = cli("build")
    assert code == 0, out + err
    assert "kept" not in out and "0 generated, 0 derived" in out
    assert (dist / "bob" / "full.png").read_bytes() == made
    recorded = json.loads(lock_path.read_text())["targets"]["bob/full"]
    assert recorded["sha256"] == hashlib.sha256(made).hexdigest()
    code, out, _ = cli("diff")
    assert code == 0 and "edited" not in out and "a build would make 0 generations" in out


def test_clean_never_deletes_a_file_it_did_not_make(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    bust = cast_file.parent / "dist" / "bob" / "bust.png"
    lock = json.loads((cast_file.parent / "cast.lock").read_text())
    lock["targets"]["bob/bust"]["sha256"] = "0" * 64  # says facebuild made other bytes there
    (cast_file.parent / "cast.lock").write_text(json.dumps(lock))
    cast_file.write_text(CAST.replace("  - id: bob\n    name: Bob\n    role: Cook\n"
                                      "    description: Round cook with a beard.\n", ""))
    code, out, err = cli("clean")
    assert code == 0, out + err
    assert bust.exists() and "kept     bob/bust.png" in out


def test_symlinked_output_folder_is_not_written_through(tmp_path: Path, cast_file: Path, cli) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    dist = cast_file.parent / "dist"
    dist.mkdir()
    os.symlink(outside, dist / "bob")
    code, out, err = cli("build", "--force")
    assert code == 1, out + err
    assert "a symbolic link in its folder leads out of dist" in out
    assert list(outside.iterdir()) == []


def test_state_files_of_any_shape_write_nothing_outside(tmp_path: Path, cast_file: Path, cli,
                                                        victim: Path) -> None:
    assert cli("build")[0] == 0
    state = cast_file.parent / ".facebuild"
    (state / "dist-state.json").write_text(json.dumps({"bob/bust.png": 5, "bob/full.png": [1],
                                                       "bob/icon.png": {"a": 1}}))
    code, out, err = cli("diff", "--all")
    assert code == 0, out + err
    assert "6 unchanged" in out
    (state / "dist-state.json").write_text("[" * 100_000 + "]" * 100_000)
    code, out, err = cli("diff", "--all")
    assert code == 0 and "6 unchanged" in out, out + err
    (state / "journal.jsonl").symlink_to(victim)
    code, out, err = cli("build", "--force")
    assert code == 2 and "journal.jsonl" in err and len(err.strip().splitlines()) == 1
    assert victim.read_text() == "precious"


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_a_dist_state_that_is_no_file_facebuild_wrote_is_not_read(tmp_path: Path, cast_file: Path, cli,
                                                                  kind: str) -> None:
    """A FIFO as .facebuild/dist-state.json would block every build, a sparse file of
    gigabytes would fill memory: either is ignored, and the digests are read again."""
    assert cli("build")[0] == 0
    path = cast_file.parent / ".facebuild" / "dist-state.json"
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    else:
        with path.open("wb") as handle:
            handle.truncate(MAX_STATE_BYTES + 1)
    assert DistState.load(path.parent, cast_file.parent / "dist").cache == {}
    code, out, err = cli("diff", "--all")
    assert code == 0 and "6 unchanged" in out, out + err
