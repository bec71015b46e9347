"""cast.lock version 2: rows that leave out what the lock says elsewhere, read back whole."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facebuild.cast import load_cast
from facebuild.errors import CastError
from facebuild.keys import digest
from facebuild.lock import Lock, LockEntry, parse_lock, read_lock, write_lock
from facebuild.planner import plan

A, B, C, D, K1, K2 = ("a" * 64, "b" * 64, "c" * 64, "d" * 64, "1" * 64, "2" * 64)
RENDER = {"backend": "sketch", "model": "sketch-v1", "identity": {"model": "sketch-v1", "version": 3},
          "prompt": "Head and shoulders portrait of Tessa Quark.", "seed": 7, "width": 256,
          "height": 256, "options": {}}
BUST_POST = {"crop": "center", "format": "png", "size": [256, 256]}
ICON_POST = {"crop": "center", "format": "png", "size": [64, 64]}
FULL_POST = {"crop": "top", "format": "png", "size": [256, 512]}


def output_key(render_key: str, post: dict[str, Any]) -> str:
    return digest({"post": post, "render_key": render_key})


V1 = {"version": 1, "targets": {
    "tessa/bust": {"file": "tessa/bust.png", "sha256": A, "render_key": K1,
                   "output_key": output_key(K1, BUST_POST), "render": RENDER, "post": BUST_POST,
                   "template": "portrait.j2", "price": 0.04},
    "tessa/icon": {"file": "tessa/icon.png", "sha256": B, "render_key": K1,
                   "output_key": output_key(K1, ICON_POST), "render": RENDER, "post": ICON_POST,
                   "template": "portrait.j2", "price": 0.04},
    "tessa/full": {"file": "art/tessa-full.png", "sha256": C, "render_key": K2, "output_key": D,
                   "render": {**RENDER, "height": 512, "seed": 8}, "post": FULL_POST,
                   "template": "portrait.j2", "price": 0.04},
}}

RENDER_TEXT = """\
        "backend": "sketch",
        "height": {height},
        "identity": {{"model": "sketch-v1", "version": 3}},
        "model": "sketch-v1",
        "options": {{}},
        "prompt": "Head and shoulders portrait of Tessa Quark.",
        "seed": {seed},
        "width": 256"""

V2_TEXT = f"""\
{{
  "targets": {{
    "tessa/bust": {{
      "post": {{"crop": "center", "format": "png", "size": [256, 256]}},
      "price": 0.04,
      "render": {{
{RENDER_TEXT.format(height=256, seed=7)}
      }},
      "render_key": "{K1}",
      "sha256": "{A}",
      "template": "portrait.j2"
    }},
    "tessa/full": {{
      "file": "art/tessa-full.png",
      "output_key": "{D}",
      "post": {{"crop": "top", "format": "png", "size": [256, 512]}},
      "price": 0.04,
      "render": {{
{RENDER_TEXT.format(height=512, seed=8)}
      }},
      "render_key": "{K2}",
      "sha256": "{C}",
      "template": "portrait.j2"
    }},
    "tessa/icon": {{
      "post": {{"crop": "center", "format": "png", "size": [64, 64]}},
      "render_of": "tessa/bust",
      "sha256": "{B}"
    }}
  }},
  "version": 2
}}
"""


def whole(entries: dict[str, LockEntry]) -> dict[str, str]:
    """Each entry as exact JSON (1, 1.0 and true told apart), to compare entries read back."""
    return {name: json.dumps(entry.to_dict(), sort_keys=True) for name, entry in entries.items()}


def test_a_version_1_lock_is_read_and_written_as_version_2(tmp_path: Path) -> None:
    path = tmp_path / "cast.lock"
    path.write_text(json.dumps(V1, indent=2, sort_keys=True) + "\n")
    lock = read_lock(path)
    rows: dict[str, Any] = V1["targets"]  # type: ignore[assignment]
    assert whole(lock.entries) == {name: json.dumps(row, sort_keys=True) for name, row in rows.items()}
    assert write_lock(path, lock) is True
    assert path.read_text() == V2_TEXT
    again = read_lock(path)
    assert whole(again.entries) == whole(lock.entries)  # every field restored, output keys too
    icon, bust = again.entries["tessa/icon"], again.entries["tessa/bust"]
    assert icon.render is bust.render and icon.render_key == bust.render_key == K1  # shared, not copied
    assert write_lock(path, again) is False and path.read_text() == V2_TEXT


def test_a_built_lock_reads_back_the_plan_and_its_keys(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    text = (cast_file.parent / "cast.lock").read_text()
    rows = json.loads(text)["targets"]
    assert rows["bob/icon"] == {"post": {"crop": "center", "format": "png", "size": [64, 64]},
                                "render_of": "bob/bust", "sha256": rows["bob/icon"]["sha256"]}
    assert "output_key" not in text and '"file"' not in text
    entries = read_lock(cast_file.parent / "cast.lock").entries
    targets = plan(load_cast(cast_file)).targets
    assert sorted(entries) == sorted(targets)
    for name, target in targets.items():
        entry = entries[name]
        assert (entry.file, entry.render_key, entry.output_key, entry.post, entry.render) == (
            target.output, target.render_key, target.output_key, target.post, target.render_inputs)
    assert entries["bob/icon"].render is entries["bob/bust"].render
    assert cli("diff", "--exit-code")[0] == 0


def test_a_changed_prompt_is_one_changed_line_per_field(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    lock = cast_file.parent / "cast.lock"
    before = lock.read_text().splitlines()
    cast_file.write_text(cast_file.read_text().replace("Round cook with a beard.", "Round cook, no beard."))
    assert cli("build")[0] == 0
    after = lock.read_text().splitlines()
    changed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    fields = sorted(line[1:].split(":", 1)[0].strip() for line in changed)
    # bob's bust and full: a new prompt, render key and file; bob's icon: a new file
    assert fields == sorted(['"prompt"', '"render_key"', '"sha256"'] * 4 + ['"sha256"'] * 2)
    assert len(before) == len(after)


def test_a_build_after_a_version_1_lock_rewrites_nothing_but_the_lock(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    path = cast_file.parent / "cast.lock"
    v2 = path.read_text()
    entries = read_lock(path).entries
    path.write_text(json.dumps({"targets": {n: e.to_dict() for n, e in entries.items()}, "version": 1},
                               indent=2, sort_keys=True) + "\n")  # as version 1 wrote it
    code, out, _ = cli("build")
    assert code == 0 and "0 generated, 0 derived" in out
    assert path.read_text() == v2


def test_diff_base_reads_a_committed_version_1_lock(cast_file: Path, cli) -> None:
    folder = cast_file.parent
    assert cli("build")[0] == 0
    entries = read_lock(folder / "cast.lock").entries
    (folder / "cast.lock").write_text(json.dumps(
        {"targets": {n: e.to_dict() for n, e in entries.items()}, "version": 1}, indent=2, sort_keys=True))
    for args in (["init", "-q"], ["add", "cast.yaml", "cast.lock"], ["commit", "-qm", "v1"]):
        subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                       cwd=folder, check=True, capture_output=True)
    assert cli("build")[0] == 0  # the working lock is version 2 now
    assert json.loads((folder / "cast.lock").read_text())["version"] == 2
    code, out, err = cli("diff", "--base", "HEAD", "--exit-code")
    assert (code, err) == (0, ""), out + err


def _v2(rows: dict[str, Any], version: object = 2) -> str:
    return json.dumps({"targets": rows, "version": version})


BUST_ROW = {"post": BUST_POST, "render": RENDER, "render_key": K1, "sha256": A}
ICON_ROW = {"post": ICON_POST, "render_of": "bob/bust", "sha256": B}


@pytest.mark.parametrize(("rows", "message"), [
    ({"bob/icon": ICON_ROW}, "targets['bob/icon']: render_of: 'bob/bust' names no target of this lock"),
    ({"bob/bust": {**ICON_ROW, "render_of": "bob/full"}, "bob/full": BUST_ROW, "bob/icon": ICON_ROW},
     "targets['bob/icon']: render_of: 'bob/bust' takes its own render from another target"),
    ({"bob/bust": BUST_ROW, "bob/icon": {**ICON_ROW, "render_of": ["bob/bust"]}},
     "targets['bob/icon']: render_of: ['bob/bust'] is not a target name"),
    ({"bob/bust": BUST_ROW, "bob/icon": {**ICON_ROW, "render": {"prompt": "other"}}},
     "targets['bob/icon']: render: is taken from render_of 'bob/bust', not written beside it"),
    ({"bob/bust": {"post": BUST_POST, "sha256": A}, "bob/icon": ICON_ROW},
     "targets['bob/icon']: render_of: 'bob/bust' has no render to share"),
    ({"bob/bust": {**BUST_ROW, "post": {"size": [1, 1]}}},
     "targets['bob/bust']: file: None is not a path"),
    ({"../../outside/x": BUST_ROW}, "targets['../../outside/x']: file: '../../outside/x.png' leaves dist"),
    ({"bob/bust": BUST_ROW, "bob/icon": {**ICON_ROW, "file": "bob/bust.png"}},
     "targets['bob/icon']: file: 'bob/bust.png' is also the file of 'bob/bust'"),
    ({"bob/bust": {**BUST_ROW, "output_key": 5}}, "targets['bob/bust']: output_key: 5 is not of the type"),
])
def test_a_crafted_version_2_lock_is_one_line_and_exit_2(cast_file: Path, cli, rows: dict[str, Any],
                                                         message: str) -> None:
    (cast_file.parent / "cast.lock").write_text(_v2(rows))
    for command in ("diff", "build"):
        code, out, err = cli(command)
        assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert err.startswith("error: cast.lock: " + message), err
    assert not (cast_file.parent / "dist").exists() and not (cast_file.parent / "outside").exists()


def test_a_lock_from_a_newer_facebuild_is_one_line_and_exit_2(cast_file: Path, cli) -> None:
    (cast_file.parent / "cast.lock").write_text(_v2({}, 3))
    code, _, err = cli("build")
    assert code == 2 and err == ("error: cast.lock: version: cast.lock is version 3, newer than this "
                                 "facebuild reads (1 to 2) (upgrade facebuild, or delete it to rebuild "
                                 "everything)\n")
    for version in (0, "2", True, None):
        (cast_file.parent / "cast.lock").write_text(_v2({}, version))
        code, _, err = cli("build")
        assert code == 2 and "unsupported lock file version" in err and len(err.splitlines()) == 1


def test_a_hand_sorted_lock_names_a_render_written_after_it(tmp_path: Path) -> None:
    path = tmp_path / "cast.lock"
    path.write_text(json.dumps({"version": 2, "targets": {"bob/icon": ICON_ROW, "bob/bust": BUST_ROW}}))
    entries = read_lock(path).entries
    assert list(entries) == ["bob/icon", "bob/bust"]  # the file's order
    assert entries["bob/icon"].render is entries["bob/bust"].render
    assert entries["bob/icon"].output_key == output_key(K1, ICON_POST)


SCALARS = st.one_of(st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False, width=32),
                    st.booleans(), st.none(), st.text(max_size=30))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
OPTIONAL_KEY = st.none() | st.sampled_from([K1, K2])


@st.composite
def entries(draw: st.DrawFn) -> dict[str, LockEntry]:
    """Entries as a build or a hand edit makes them: renders shared or nearly so, output
    keys computed or not, files named after their target or elsewhere, prices of any type."""
    renders = [draw(st.dictionaries(st.text(max_size=8), VALUES, max_size=5)) for _ in range(2)]
    posts = [None, BUST_POST, {"format": "png", "size": [1.0, True]}, {"format": 3}]
    found: dict[str, LockEntry] = {}
    for index in range(draw(st.integers(0, 6))):
        name = f"c{index % 3}/v{index}"
        key, post = draw(OPTIONAL_KEY), draw(st.sampled_from(posts))
        computed = output_key(key, post) if key and post is not None else None
        found[name] = LockEntry(
            draw(st.sampled_from([f"{name}.png", f"out/{index}.jpg"])), A, key,
            draw(st.sampled_from([computed, None, D])), draw(st.sampled_from([*renders, None])), post,
            draw(st.sampled_from([None, "portrait.j2"])), draw(st.sampled_from([None, 0, 0.0, 0.04])),
            draw(st.sampled_from([None, {"persona": "p.md"}])), draw(st.sampled_from([None, "c0/v0"])))
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made=entries())
def test_every_entry_reads_back_as_it_was_written(tmp_path: Path, made: dict[str, LockEntry]) -> None:
    path = tmp_path / "cast.lock"
    text = Lock(dict(made)).to_text()
    path.write_text(text)
    read = read_lock(path)
    assert whole(read.entries) == whole(made)
    assert Lock(dict(read.entries)).to_text() == text


def many(count: int) -> dict[str, LockEntry]:
    """A lock of ``count`` characters with a bust and an icon made from it: a few megabytes."""
    found: dict[str, LockEntry] = {}
    for index in range(count):
        render = {**RENDER, "prompt": f"Portrait {index}. " + "Long words. " * 40, "seed": index}
        key = digest(render)
        for variant, post in (("bust", BUST_POST), ("icon", ICON_POST)):
            name = f"c{index:05d}/{variant}"
            found[name] = LockEntry(f"{name}.png", digest(name), key, output_key(key, post), render,
                                    post, "portrait.j2", 0.04)
    return found


def test_a_lock_of_several_megabytes_is_read_in_chunks_as_it_is_whole(tmp_path: Path) -> None:
    made = many(3000)
    huge = made["c00007/bust"]  # one block longer than a chunk
    made["c00007/bust"] = huge._replace(render={**(huge.render or {}), "prompt": "word " * 400_000})
    text = Lock(dict(made)).to_text()
    assert len(text) > 3 * 2**20  # more than one chunk
    path = tmp_path / "cast.lock"
    path.write_text(text)
    read = read_lock(path).entries
    assert list(read) == sorted(made) and whole(read) == whole(made)
    assert whole(parse_lock(text, path)) == whole(made)  # parsed whole: the same entries
    # a hand edit puts a field of every block at the indent of a block: read all the same
    path.write_text(text.replace(',\n      "sha256"', ',\n    "sha256"'))
    assert whole(read_lock(path).entries) == whole(made)
    path.write_text(text.replace(f'"sha256": "{digest("c01500/bust")}"', '"sha256": 7'))
    with pytest.raises(CastError, match=r"targets\['c01500/bust'\]: sha256: 7 is not a sha256"):
        read_lock(path)


@pytest.mark.parametrize("depth", [40, 600, 980, 5000])
def test_a_lock_nested_deep_by_hand_is_written_or_one_line_never_a_traceback(cast_file: Path, cli,
                                                                             depth: int) -> None:
    assert cli("build")[0] == 0
    path = cast_file.parent / "cast.lock"
    data = json.loads(path.read_text())
    data["targets"]["bob/full"]["render"]["options"] = {"deep": "NESTED"}
    path.write_text(json.dumps(data).replace('"NESTED"', "[" * depth + "]" * depth))
    cast_file.write_text(cast_file.read_text().replace("short hair", "long hair"))  # the lock is written
    code, _, err = cli("build")
    assert code in (0, 2) and "Traceback" not in err, err
    if code == 2:
        assert len(err.splitlines()) == 1 and err.startswith("error: cast.lock: "), err
    else:  # bob/full's entry kept as it was, written by facebuild this time
        render = read_lock(path).entries["bob/full"].render
        assert render is not None and json.dumps(render["options"]["deep"]) == "[" * depth + "]" * depth
        assert '"tessa-quark/bust": {\n' in path.read_text()


def test_equal_values_of_renders_are_read_as_one_object_and_kept_exact(tmp_path: Path) -> None:
    made = many(3)
    odd = made["c00002/bust"]
    made["c00002/bust"] = odd._replace(render={**(odd.render or {}), "identity": {"model": "sketch-v1",
                                                                                 "version": 3.0}})
    path = tmp_path / "cast.lock"
    path.write_text(Lock(dict(made)).to_text())
    read = read_lock(path).entries
    first, second, third = (read[f"c0000{index}/bust"].render or {} for index in range(3))
    assert first["identity"] is second["identity"] and first["options"] is second["options"]
    assert first["model"] is second["model"] is third["model"]
    assert third["identity"] == first["identity"] and third["identity"] is not first["identity"]
    assert json.dumps(third["identity"]) == '{"model": "sketch-v1", "version": 3.0}'  # 3.0 is not 3
    assert whole(read) == whole(made)
    one = made["c00001/bust"]
    made["c00001/bust"] = one._replace(render={**(one.render or {}), "options": "{}"})  # the repr of {}
    path.write_text(Lock(dict(made)).to_text())
    assert whole(read_lock(path).entries) == whole(made)


def test_the_blocks_of_a_lock_of_several_megabytes_are_taken_again_chunk_by_chunk(tmp_path: Path) -> None:
    made = many(3000)
    path = tmp_path / "cast.lock"
    text = Lock(dict(made)).to_text()
    path.write_text(text)
    lock = read_lock(path)
    lock.entries["c00100/icon"] = lock.entries["c00100/icon"]._replace(sha256=C)
    assert write_lock(path, lock) is True
    assert len(lock.texts) == len(made)
    reused = [name for name, (_, _, block) in lock.texts.items() if block in text]
    assert sorted(reused) == sorted(set(made) - {"c00100/icon"})  # every block but the one replaced
    assert path.read_text() == Lock(dict(lock.entries)).to_text()
    # a hand edit that cuts the third chunk elsewhere: the blocks before it are still taken
    at = text.index(',\n      "price"', text.index('"c02000/bust": {'))
    edited = text[:at] + ',\n    "price"' + text[at + len(',\n      "price"'):]
    path.write_text(edited)
    lock = read_lock(path)
    assert write_lock(path, lock) is True  # written as facebuild writes it
    assert path.read_text() == text
    assert "c00001/bust" in lock.texts and lock.texts["c00001/bust"][2] in edited


def test_the_first_write_after_a_read_takes_the_blocks_read_and_ends_as_encoding_afresh(
        tmp_path: Path) -> None:
    """While the file is the one read, an unchanged entry's block is taken by its name
    alone; a block whose render holder changed is written again, and so is every block of
    a file changed since the read."""
    made = many(4)
    path = tmp_path / "cast.lock"
    text = Lock(dict(made)).to_text()
    path.write_text(text)
    lock = read_lock(path)
    assert lock.read_from is not None
    lock.entries["c00001/icon"] = lock.entries["c00001/icon"]._replace(sha256=C)
    # a new target, sorted before c00002/bust, with its render: it holds that render now
    bust = lock.entries["c00002/bust"]
    lock.entries["c00002/aaa"] = bust._replace(file="c00002/aaa.png", sha256=B)
    lock.changed = True
    assert write_lock(path, lock) is True
    assert path.read_text() == Lock(dict(lock.entries)).to_text()
    assert '"c00002/bust": {\n      "post": {"crop": "center", "format": "png", "size": [256, 256]},\n' \
           '      "render_of": "c00002/aaa"' in path.read_text()
    assert lock.texts["c00003/icon"][2] in text and lock.texts["c00001/icon"][2] not in text
    # the file changed after the read (same size and mtime, another text): nothing is
    # taken by name
    path.write_text(text)
    lock = read_lock(path)
    before = path.stat()
    path.write_text(text.replace('"sha256": "' + made["c00000/bust"].sha256,
                                 '"sha256": "' + "f" * 64))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    lock.entries["c00001/icon"] = lock.entries["c00001/icon"]._replace(sha256=C)
    assert write_lock(path, lock) is True
    assert path.read_text() == Lock(dict(lock.entries)).to_text()
    assert "f" * 64 not in path.read_text()
