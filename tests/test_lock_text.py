"""cast.lock written from each entry's cached text: the same bytes as encoding it whole."""

from __future__ import annotations

import json
from pathlib import Path

from facebuild.lock import Lock, LockEntry, read_lock, write_lock


def whole(text: bytes) -> str:
    """What encoding the whole manifest at once writes: the bytes its cached text must match."""
    return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def afresh(path: Path) -> str:
    """What encoding every entry of the lock at ``path`` anew writes: the bytes the lock's
    cached text must match."""
    return Lock(dict(read_lock(path).entries)).to_text()


def test_a_built_lock_is_the_whole_encoding_and_its_blocks_are_reused(cast_file: Path, cli) -> None:
    cast_file.write_text(cast_file.read_text().replace("Round cook", "Round cöök «chef»"))
    assert cli("build")[0] == 0
    path = cast_file.parent / "cast.lock"
    built = path.read_bytes()
    assert built.decode() == afresh(path) and "«chef»" in built.decode()
    lock = read_lock(path)
    assert write_lock(path, lock) is False  # the same text: not written
    assert sorted(lock.texts) == sorted(lock.entries)  # every block taken as it is in the file
    assert all(lock.texts[name][0] is entry for name, entry in lock.entries.items())
    assert lock.texts["bob/icon"][1] is lock.entries["bob/bust"]  # the entry holding its render
    assert lock.to_text().encode() == built

    cast_file.write_text(cast_file.read_text().replace("seed: 7\n", "seed: 8\n"))
    assert cli("build")[0] == 0
    rebuilt = path.read_bytes()
    assert rebuilt != built and rebuilt.decode() == afresh(path)


def test_a_block_is_encoded_again_when_the_entry_holding_its_render_is_replaced(cast_file: Path,
                                                                               cli) -> None:
    assert cli("build")[0] == 0
    path = cast_file.parent / "cast.lock"
    lock = read_lock(path)
    write_lock(path, lock)
    icon = lock.texts["bob/icon"][2]
    lock.entries["bob/bust"] = lock.entries["bob/bust"]._replace(template="other.j2")
    text = lock.to_text()
    assert text == Lock(dict(lock.entries)).to_text() and lock.texts["bob/icon"][2] is not icon
    rows = json.loads(text)["targets"]
    assert "render_of" not in rows["bob/icon"] and rows["bob/icon"]["template"] != "other.j2"


def test_only_replaced_entries_are_encoded_again(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    path = cast_file.parent / "cast.lock"
    lock = read_lock(path)
    write_lock(path, lock)
    name, entry = "bob/full", lock.entries["bob/full"]  # no other target names it in render_of
    kept = {other: lock.texts[other][2] for other in lock.entries if other != name}
    lock.entries[name] = entry._replace(sha256="0" * 64)
    text = lock.to_text()
    assert text == Lock(dict(lock.entries)).to_text()
    assert json.loads(text)["targets"][name]["sha256"] == "0" * 64
    assert all(lock.texts[other][2] is block for other, block in kept.items())  # not re-encoded


def test_a_hand_formatted_lock_is_read_whole_and_written_canonically(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    path = cast_file.parent / "cast.lock"
    data = json.loads(path.read_bytes())
    canonical = path.read_bytes()
    (cast_file.parent / "canonical.lock").write_bytes(canonical)
    for layout in (json.dumps(data), json.dumps(data, indent=4),
                   json.dumps(data, indent=2),  # blocks in the cast's order, not sorted
                   canonical.decode().replace('\n    "', ' "', 1)):  # two targets on one line
        path.write_text(layout)
        lock = read_lock(path)
        assert lock.entries == read_lock(cast_file.parent / "canonical.lock").entries
        assert write_lock(path, lock) == (layout != canonical.decode())
        assert path.read_bytes() == canonical


def test_a_block_is_reused_only_for_the_entry_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "cast.lock"
    entry = {"file": "a.png", "sha256": "a" * 64}
    text = Lock({"a": LockEntry("a.png", "a" * 64), "b": LockEntry("b.png", "a" * 64)}).to_text()
    path.write_text(text.replace('"b": {', '"a": {', 1))  # the same name twice
    lock = read_lock(path)
    assert {name: e.file for name, e in lock.entries.items()} == {"a": "b.png"}  # as json reads it
    assert write_lock(path, lock) is True
    assert json.loads(path.read_text()) == {"targets": {"a": {**entry, "file": "b.png"}}, "version": 2}
    assert path.read_text() == afresh(path)
    assert Lock().to_text() == '{\n  "targets": {},\n  "version": 2\n}\n' == whole(Lock().to_text().encode())


def test_the_manifest_is_the_whole_encoding_after_each_build(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    manifest = cast_file.parent / "dist" / "manifest.json"
    built = manifest.read_bytes()
    assert built.decode() == whole(built)
    cast_file.write_text(cast_file.read_text().replace("seed: 7\n", "seed: 8\n"))
    assert cli("build")[0] == 0
    rebuilt = manifest.read_bytes()
    assert rebuilt != built and rebuilt.decode() == whole(rebuilt)
    seeds = {f["seed"] for f in json.loads(rebuilt)["files"].values()}
    assert seeds and all(seed != 7 for seed in seeds)  # no block of the old manifest kept


def test_a_manifest_replaced_by_hand_is_written_whole_again(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    manifest = dist / "manifest.json"
    canonical = manifest.read_bytes()
    data = json.loads(canonical)
    data["files"]["bob/bust.png"]["prompt"] = "written by hand"  # a block that says something else
    for i, layout in enumerate((json.dumps(data), json.dumps(data, indent=2, sort_keys=True) + "\n")):
        manifest.write_text(layout)
        cast_file.write_text(cast_file.read_text().replace("short hair", f"short hair {i}"))
        assert "3 generated, 0 derived, 3 cached" in cli("build")[1]  # tessa-quark changed, bob not
        text = manifest.read_text()
        assert text == whole(text.encode())
        assert json.loads(text)["files"]["bob/bust.png"] == json.loads(canonical)["files"]["bob/bust.png"]


def test_an_equal_entry_made_anew_is_encoded_anew(tmp_path: Path) -> None:
    """1.0 == 1 in Python, not in the file: a block is reused only for the entry read from it."""
    path = tmp_path / "cast.lock"
    entry = {"file": "a.png", "sha256": "a" * 64, "price": 1.0}
    path.write_text(json.dumps({"targets": {"a": entry}, "version": 1}, indent=2, sort_keys=True) + "\n")
    lock = read_lock(path)
    assert write_lock(path, lock) is True and '"price": 1.0,\n' in path.read_text()
    lock = read_lock(path)
    lock.entries["a"] = lock.entries["a"]._replace(price=1)
    assert write_lock(path, lock) is True
    assert '"price": 1,\n' in path.read_text() and path.read_text() == afresh(path)
