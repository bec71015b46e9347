"""A lock read for some characters: only their rows are parsed, and it reads, answers and
writes exactly what the lock read whole does."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_lock_rows import BUST_POST, ICON_POST, K1, RENDER, A, B, entries, many, output_key, whole

from facebuild.errors import CastError
from facebuild.lock import Lock, LockEntry, read_lock, write_lock

CHARACTERS = ["c0", "c1", "c2"]


def of(scope: set[str]):  # type: ignore[no-untyped-def]
    return lambda name: name.split("/", 1)[0] in scope


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made=entries(), other=entries(), scope=st.sets(st.sampled_from(CHARACTERS)), data=st.data())
def test_a_lock_read_for_some_characters_writes_what_the_whole_lock_writes(
        tmp_path: Path, made: dict[str, LockEntry], other: dict[str, LockEntry], scope: set[str],
        data: st.DataObject) -> None:
    """Renders shared across characters or not, files of their own or named after their
    target, rows put, dropped or kept in the characters built: the same text, entries and
    answers as the lock read whole, with the same changes."""
    path = tmp_path / "cast.lock"
    path.write_text(Lock(dict(made)).to_text())
    some, full = read_lock(path, only=of(scope)), read_lock(path)
    for name in sorted(made.keys() | other.keys()):
        if name.split("/")[0] not in scope:
            continue
        action = data.draw(st.sampled_from(["keep", "put", "drop"]))
        if action == "put" and name in other:
            some.put(name, other[name])
            full.put(name, other[name])
        elif action == "drop" and name in made:
            some.drop(name)
            full.drop(name)
    assert sorted(some.names()) == sorted(full.names()) == sorted(full.entries)
    assert some.altered() == full.altered()
    for entry in made.values():
        assert some.owner(entry.file) == full.owner(entry.file)
    assert some.owner("nobody/here.png") is None
    assert some.to_text() == full.to_text()
    assert whole(some.entries) == whole(full.entries)


def test_only_the_rows_of_the_characters_built_are_parsed(tmp_path: Path) -> None:
    made = many(300)
    path = tmp_path / "cast.lock"
    path.write_text(Lock(dict(made)).to_text())
    before = path.read_bytes()
    some = read_lock(path, only=of({"c00007"}))
    assert some.unparsed() == 598 and len(some.names()) == 600
    assert some.owner("c00150/icon.png") == "c00150/icon"  # its row parsed to say so
    assert some.unparsed() == 596  # with the bust holding its render
    icon = made["c00007/icon"]
    some.put("c00007/icon", icon._replace(sha256=B))
    assert write_lock(path, some)
    assert some.unparsed() == 596  # the rest written as the file had it
    after = path.read_bytes()
    assert after == Lock({**made, "c00007/icon": icon._replace(sha256=B)}).to_text().encode()
    assert after == before.replace(icon.sha256.encode(), B.encode())  # one line changed
    assert some.read_from is not None and some.read_from[1] != path.stat().st_ino  # the file read


def test_a_render_another_character_holds_is_written_again_when_its_holder_changes(
        tmp_path: Path) -> None:
    """Two characters with one render (the same prompt and seed): the row of the second names
    the first's; when the first's render changes, the second holds it itself."""
    key = K1
    made = {name: LockEntry(f"{name}.png", A, key, output_key(key, post), RENDER, post, "portrait.j2", 0.04)
            for name, post in (("amy/bust", BUST_POST), ("amy/icon", ICON_POST), ("bob/bust", BUST_POST))}
    path = tmp_path / "cast.lock"
    path.write_text(Lock(dict(made)).to_text())
    assert '"render_of": "amy/bust"' in path.read_text().split('"bob/bust"')[1]
    some = read_lock(path, only=of({"amy"}))
    assert some.unparsed() == 1
    other = {**RENDER, "seed": 8}
    for name in ("amy/bust", "amy/icon"):
        some.put(name, made[name]._replace(render_key="9" * 64, render=other,
                                            output_key=output_key("9" * 64, made[name].post or {})))
    expected = Lock({**made, **{name: some.get(name) for name in ("amy/bust", "amy/icon")}}).to_text()  # type: ignore[dict-item]
    assert some.to_text() == expected
    assert '"render_of"' not in expected.split('"bob/bust"')[1]


@pytest.mark.parametrize("edit", [
    lambda t: t.replace(',\n      "sha256"', ',\n    "sha256"'),  # a field at the indent of a target
    lambda t: t.replace('"c00001/bust"', '"c00009/bust"'),         # out of order
    lambda t: t + " ",                                               # outside the frame
    lambda t: t.replace('"c00011/icon"', '"c00011/icon\\u00e9"'),     # a name with an escape
])
def test_a_lock_edited_by_hand_is_read_whole(tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cast.lock"
    path.write_text(edit(Lock(many(12)).to_text()))
    try:
        lock = read_lock(path, only=of({"c00003"}))
    except CastError:
        return  # read whole, and refused as the whole read refuses it
    assert lock.unparsed() == 0


def test_a_journal_to_replay_means_the_whole_lock_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cast.lock"
    path.write_text(Lock(many(5)).to_text())
    journal = tmp_path / "journal"
    journal.write_text('{"target": "c00001/bust", "removed": true}\n')
    lock = read_lock(path, journal, only=of({"c00003"}))
    assert lock.unparsed() == 0 and "c00001/bust" not in lock.names()


def test_a_bad_row_is_refused_when_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "cast.lock"
    path.write_text(Lock(many(5)).to_text().replace(f'"sha256": "{made_sha("c00004/bust")}"', '"sha256": 7'))
    lock = read_lock(path, only=of({"c00001"}))
    with pytest.raises(CastError, match=r"targets\['c00004/bust'\]: sha256: 7 is not a sha256"):
        lock.get("c00004/bust")


def made_sha(name: str) -> str:
    return many(5)[name].sha256


def test_the_owner_of_a_file_is_found_without_parsing_every_row_that_names_its_file(
        tmp_path: Path) -> None:
    """Under an output pattern of its own every row writes its ``file``: asking who owns
    one parses the row that names it, not all of them."""
    made = {name: entry._replace(file="out/" + name.replace("/", "-") + ".png")
            for name, entry in many(300).items()}
    path = tmp_path / "cast.lock"
    path.write_text(Lock(dict(made)).to_text())
    some = read_lock(path, only=of({"c00007"}))
    left = some.unparsed()
    assert some.owner("out/c00150-bust.png") == "c00150/bust"
    assert some.owner("out/nobody.png") is None and some.owner("c00150/bust.png") is None
    assert some.unparsed() == left - 1
