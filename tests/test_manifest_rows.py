"""The manifest a build patches from the one it wrote last (replacing the rows of the
targets it changed) has the bytes of the manifest made whole, and is made whole when the
manifest or the record in .facebuild is not what facebuild wrote."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facebuild.lock import Lock, LockEntry, read_lock, write_lock
from facebuild.manifest import RECORD, manifest_bytes, provenance, write_manifest
from facebuild.manifestrows import patched


def entry(character: str, variant: str, *, file: str | None = None, prompt: str = "a face") -> LockEntry:
    return LockEntry(file or f"{character}/{variant}.png", "a" * 64, "r" * 64, "o" * 64,
                     {"prompt": prompt, "seed": 7, "backend": "sketch", "model": "m"},
                     {"size": [64, 64]}, "portrait.j2", 0.0)


def start(folder: Path, characters: int = 30) -> Lock:
    """A lock of ``characters`` x 2 targets written, read back, and its manifest written."""
    lock = Lock({f"c{i:02d}/{v}": entry(f"c{i:02d}", v) for i in range(characters) for v in ("bust", "icon")})
    write_lock(folder / "cast.lock", lock)
    return rebuilt(folder)


def rebuilt(folder: Path) -> Lock:
    lock = read_lock(folder / "cast.lock")
    write_manifest(folder / "dist", lock, state=folder / ".facebuild", lock_file=folder / "cast.lock")
    return read_lock(folder / "cast.lock")


def after(folder: Path, lock: Lock) -> bytes:
    """Write the lock, then the manifest, as a build does."""
    write_lock(folder / "cast.lock", lock)
    write_manifest(folder / "dist", lock, state=folder / ".facebuild", lock_file=folder / "cast.lock")
    return (folder / "dist" / "manifest.json").read_bytes()


EDITS = {
    "a new prompt": lambda lock: lock.put("c03/bust", entry("c03", "bust", prompt="a new face")),
    "a dropped target": lambda lock: lock.drop("c29/icon"),
    "the first dropped": lambda lock: lock.drop("c00/bust"),
    "a new last target": lambda lock: lock.put("zz/bust", entry("zz", "bust")),
    "a new first target": lambda lock: lock.put("a/bust", entry("a", "bust")),
    "a moved file": lambda lock: lock.put("c05/icon", entry("c05", "icon", file="moved/c05.png")),
    "a file moved last": lambda lock: lock.put("c00/bust", entry("c00", "bust", file="zzz.png")),
    "non-ASCII and quotes": lambda lock: lock.put("c07/bust", entry("c07", "bust", file='c07/"é".png',
                                                                     prompt='"target": "c08/bust",\n')),
    "every row dropped but one": lambda lock: [lock.drop(n) for n in lock.names() if n != "c10/icon"],
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_patched_manifest_is_the_whole_one(tmp_path: Path, edit: str) -> None:
    lock = start(tmp_path)
    EDITS[edit](lock)
    assert lock.altered()
    assert after(tmp_path, lock) == manifest_bytes(lock)
    # and the next build patches that one
    lock = rebuilt(tmp_path)
    lock.put("c10/icon", entry("c10", "icon", prompt="again"))
    assert after(tmp_path, lock) == manifest_bytes(lock)


def test_several_edits_at_once(tmp_path: Path) -> None:
    lock = start(tmp_path)
    for edit in ("a new prompt", "a dropped target", "a moved file", "a new first target"):
        EDITS[edit](lock)
    assert after(tmp_path, lock) == manifest_bytes(lock)


def test_two_targets_of_one_file_make_it_whole(tmp_path: Path) -> None:
    """Which of two rows of one file wins is the whole manifest's business (a lock read
    from a file never has two; one made in memory may)."""
    lock = start(tmp_path)
    lock.put("c01/icon", entry("c01", "icon", file="c02/bust.png"))
    assert after(tmp_path, lock) == manifest_bytes(lock)


@pytest.mark.parametrize("way", ["other bytes", "same size and mtime", "a link"])
def test_a_manifest_replaced_by_hand_is_made_whole(tmp_path: Path, way: str) -> None:
    lock = start(tmp_path)
    manifest = tmp_path / "dist" / "manifest.json"
    text = manifest.read_bytes()
    written = manifest.stat()
    hostile = text.replace(b'"prompt": "a face"', b'"prompt": "b face"', 1)
    if way == "other bytes":
        manifest.write_bytes(hostile + b" ")
    elif way == "same size and mtime":
        manifest.write_bytes(hostile)
        os.utime(manifest, ns=(written.st_atime_ns, written.st_mtime_ns))
    else:
        (tmp_path / "elsewhere.json").write_bytes(hostile)
        manifest.unlink()
        manifest.symlink_to(tmp_path / "elsewhere.json")
    lock.put("c03/bust", entry("c03", "bust", prompt="a new face"))
    assert after(tmp_path, lock) == manifest_bytes(lock)
    assert not manifest.is_symlink()


@pytest.mark.parametrize("record", ["[]", "not json", '{"rows": 1}', "{}", "x" * 5000, "fifo", "other lock"])
def test_a_tampered_record_costs_only_time(tmp_path: Path, record: str) -> None:
    lock = start(tmp_path)
    path = tmp_path / ".facebuild" / RECORD
    recorded = json.loads(path.read_text())
    path.unlink()
    if record == "fifo":
        os.mkfifo(path)
    elif record == "other lock":
        path.write_text(json.dumps({**recorded, "rows": recorded["rows"] + 1}))
    else:
        path.write_text(record)
    lock.drop("c04/icon")
    assert after(tmp_path, lock) == manifest_bytes(lock)


def test_a_manifest_of_a_lock_not_written_is_not_recorded(tmp_path: Path) -> None:
    """The record says which lock file the manifest was made from: a manifest written
    without ``lock_file`` (a lock changed in memory only) is never taken as that file's."""
    lock = start(tmp_path)
    lock.put("c03/bust", entry("c03", "bust", prompt="only in memory"))
    write_manifest(tmp_path / "dist", lock, state=tmp_path / ".facebuild")
    lock = read_lock(tmp_path / "cast.lock")
    lock.drop("c04/icon")
    assert after(tmp_path, lock) == manifest_bytes(lock)
    assert b"only in memory" not in manifest_bytes(lock)


_NAMES = st.text(st.sampled_from("ab-/é\"\\~.2"), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.dictionaries(_NAMES, _NAMES, min_size=1, max_size=8),
       puts=st.dictionaries(_NAMES, _NAMES, max_size=4), drops=st.lists(_NAMES, max_size=3))
def test_any_patch_is_the_whole_manifest(before: dict[str, str], puts: dict[str, str],
                                                   drops: list[str]) -> None:
    """Targets and files of any characters (quotes, backslashes, non-ASCII), any puts (new
    targets, new files for old ones) and drops: the patched manifest is the one made whole."""
    lock = Lock({name: entry("c", "v", file=f"{name}|{file}") for name, file in before.items()})
    previous = manifest_bytes(lock)
    lock.as_read = dict(lock.entries)
    for name, file in puts.items():
        lock.put(name, entry("c", "v", file=f"{name}|{file}", prompt=f"new {name}"))
    for name in drops:
        if name in lock.entries:
            lock.drop(name)
    rows = {e.file: provenance(n, e) for n in sorted(lock.altered()) if (e := lock.get(n)) is not None}
    found = patched(previous, len(before), lock.altered(), rows, len(lock.names()))
    assert found == (manifest_bytes(lock) if lock.entries else None)  # no file left: made whole
