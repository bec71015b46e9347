"""The commands go through the library: clean, gc and estimate are library calls with the
same results as the commands, diff only compares, and clean speaks JSON."""

from __future__ import annotations

import json
from pathlib import Path

import facebuild
from tests.conftest import CAST, build_importing


def _drop_full(cast_file: Path) -> None:
    cast_file.write_text(CAST.replace("  full: {size: [200, 400], frame: Full body, crop: top}\n", ""))


def test_clean_json_lists_removed_kept_and_left(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    (dist / "notes.txt").write_text("mine")
    (dist / "bob/full.png").write_bytes(b"retouched by hand")
    _drop_full(cast_file)
    code, out, _ = cli("clean", "--json", "--dry-run")
    assert code == 0
    assert json.loads(out) == {"removed": ["tessa-quark/full.png"], "kept": ["bob/full.png"],
                               "left": ["notes.txt"], "dry_run": True}
    assert (dist / "tessa-quark/full.png").is_file()
    code, out, _ = cli("clean", "--json")
    assert json.loads(out)["removed"] == ["tessa-quark/full.png"]
    assert json.loads(out)["dry_run"] is False
    assert not (dist / "tessa-quark/full.png").exists()
    assert (dist / "bob/full.png").read_bytes() == b"retouched by hand"
    lock = json.loads((cast_file.parent / "cast.lock").read_text())["targets"]
    assert "tessa-quark/full" not in lock and "bob/full" in lock


def test_clean_and_gc_are_library_calls(cast_file: Path) -> None:
    cast = facebuild.load_cast(cast_file)
    facebuild.build(cast)
    _drop_full(cast_file)
    smaller = facebuild.load_cast(cast_file)
    cleaned = facebuild.clean(smaller)
    assert sorted(cleaned.removed) == ["bob/full.png", "tessa-quark/full.png"]
    assert not (cast_file.parent / "dist/bob/full.png").exists()
    store = cast_file.parent / ".facebuild/store"
    before = len(list(store.rglob("*.png")))
    collected = facebuild.gc([smaller])
    assert [c.dropped for c in collected] == [2]  # the two full-body renders
    assert len(list(store.rglob("*.png"))) == before - 2


def test_estimate_prices_missing_renders_once(tmp_path: Path, counting) -> None:
    cast_file = tmp_path / "cast.yaml"
    cast_file.write_text(CAST.replace("backend: {name: counting}",
                                      "backend: {name: counting, price: 0.04}"))
    cast = facebuild.load_cast(cast_file)
    the_plan = facebuild.plan(cast)
    spend = facebuild.estimate(the_plan, facebuild.read_lock(cast.lock_path))
    # bust and full per character; the icon is derived from the bust
    assert (spend.generations, round(spend.cost, 2), spend.price) == (4, 0.16, 0.04)
    facebuild.build(cast)
    after = facebuild.estimate(the_plan, facebuild.read_lock(cast.lock_path))
    assert (after.generations, after.cost) == (0, 0.0)


def test_diff_only_compares(cast_file: Path) -> None:
    cast = facebuild.load_cast(cast_file)
    facebuild.build(cast)
    state = cast_file.parent / ".facebuild/dist-state.json"
    state.unlink()
    (cast_file.parent / "dist/bob/bust.png").write_bytes(b"edited")
    changes = facebuild.diff(facebuild.plan(cast), facebuild.read_lock(cast.lock_path))
    assert changes.changes["bob/bust"].status == "edited"
    assert not state.exists()  # it read dist, and wrote nothing


def test_build_dry_run_lists_what_it_would_do(cast_file: Path, cli, counting) -> None:
    cli("build")
    calls = len(counting.calls)
    dist = cast_file.parent / "dist"
    (dist / "bob/full.png").write_bytes(b"retouched by hand")
    text = CAST.replace("  full: {size: [200, 400], frame: Full body, crop: top}\n", "")
    text = text.replace("size: 64, from: bust", "size: 48, from: bust")  # rederive the icons
    text = text.replace("Round cook with a beard.", "Round cook with a moustache.")
    cast_file.write_text(text)
    before = {p: p.read_bytes() for p in dist.rglob("*") if p.is_file()}
    code, out, _ = cli("build", "-n", "--output-format", "plain")
    assert code == 0
    lines = out.splitlines()
    assert "would generate  bob/bust -> bob/bust.png" in lines
    assert "would generate  bob/icon -> bob/icon.png" in lines  # the same new render
    assert "  would derive  tessa-quark/icon -> tessa-quark/icon.png" in lines
    assert "  would remove  tessa-quark/full (tessa-quark/full.png)" in lines
    assert any(line.strip().startswith("kept  bob/full") for line in lines)
    assert not any("tessa-quark/bust" in line for line in lines)  # unchanged: not listed
    assert lines[-1] == ("dry run: would build: 2 generated, 1 derived, 1 cached, 0 failed, "
                         "1 kept (edited by hand), 1 removed (1 renders)")
    assert len(counting.calls) == calls
    assert {p: p.read_bytes() for p in dist.rglob("*") if p.is_file()} == before


def test_build_dry_run_json_has_one_planned_event_per_target(cast_file: Path, cli) -> None:
    code, out, _ = cli("build", "-n", "--json")
    events = [json.loads(line) for line in out.splitlines()]
    planned = {e["target"]: e["how"] for e in events if e["event"] == "planned"}
    assert planned == {"tessa-quark/bust": "generated", "tessa-quark/icon": "generated",
                       "tessa-quark/full": "generated", "bob/bust": "generated",
                       "bob/icon": "generated", "bob/full": "generated"}
    assert events[-1]["event"] == "done" and events[-1]["generated"] == 6


LEAKY = CAST.replace("Round cook with a beard.", "Round cook; mail bob.cook@example.com.")


def test_build_redact_builds_what_the_guard_would_block(cast_file: Path, cli) -> None:
    cast_file.write_text(LEAKY)
    code, out, _ = cli("build", "--output-format", "plain")
    assert code == 1 and "--redact" in out  # the guard's message suggests it
    code, out, err = cli("build", "--redact", "--output-format", "plain")
    assert code == 0, out + err
    lock = (cast_file.parent / "cast.lock").read_text()
    assert "[redacted]" in lock and "bob.cook@example.com" not in lock
    assert (cast_file.parent / "dist/bob/bust.png").is_file()
    assert "privacy" not in cast_file.read_text()  # for this run only: the cast is as it was
    code, out, _ = cli("build", "--output-format", "plain")  # without it: blocked again
    assert code == 1 and "blocked by the privacy guard" in out


def test_flags_are_named_by_the_command_line_only(cast_file: Path, cli) -> None:
    import pytest

    from facebuild.errors import CastError
    from facebuild.planner import make_backend

    cast = facebuild.load_cast(cast_file)
    with pytest.raises(CastError) as caught:
        make_backend(cast, {"name": "nope"})  # the library knows no flags
    assert str(caught.value) == "backend.name: unknown backend 'nope'"
    code, _, err = cli("build", "--backend", "nope")
    assert (code, err) == (2, "error: --backend: unknown backend 'nope'\n")


def test_lock_entries_are_checked_frozen_records(cast_file: Path) -> None:
    import pytest

    from facebuild.lock import LockEntry, read_lock, write_lock

    facebuild.build(facebuild.load_cast(cast_file))
    path = cast_file.parent / "cast.lock"
    written = path.read_bytes()
    lock = read_lock(path)
    entry = lock.entries["bob/bust"]
    assert isinstance(entry, LockEntry)
    assert entry.file == "bob/bust.png" and len(entry.sha256) == 64
    assert entry.render is not None and entry.render["seed"] == entry.to_dict()["render"]["seed"]
    with pytest.raises(AttributeError):  # immutable
        entry.file = "../../etc/passwd"  # type: ignore[misc]
    path.unlink()
    write_lock(path, lock)
    assert path.read_bytes() == written  # read and written again: the same bytes
    assert LockEntry.from_dict("x", entry.to_dict()) == entry
    for bad, why in [({"file": "../up.png", "sha256": "0" * 64}, "leaves dist"),
                     ({"file": "a.png", "sha256": "nope"}, "is not a sha256"),
                     ({"file": "a.png", "sha256": "0" * 64, "price": True}, "price"),
                     ([], "not a mapping")]:
        with pytest.raises(ValueError, match=why):
            LockEntry.from_dict("x", bad)


def test_one_end_of_life_warning_for_build_diff_and_validate(tmp_path: Path, counting, cli) -> None:
    import dataclasses

    from facebuild.backends import BACKENDS, register_backend

    class Legacy(counting):  # type: ignore[misc,valid-type]
        def capabilities(self):  # type: ignore[no-untyped-def]
            return dataclasses.replace(super().capabilities(), lifecycle="legacy")

    register_backend("legacy", Legacy)
    try:
        (tmp_path / "cast.yaml").write_text(CAST.replace("{name: counting}", "{name: legacy}"))
        said = "warning: count-1 is legacy: the service may refuse every call"
        _, out, _ = cli("diff")
        assert said in out.splitlines()
        _, out, _ = cli("validate")
        assert said in out.splitlines()
        _, out, _ = cli("build", "--output-format", "plain")
        assert said in out.splitlines()
    finally:
        BACKENDS.pop("legacy", None)


def test_a_no_op_build_imports_nothing_heavy(tmp_path: Path) -> None:
    """The fast path imports commands/common.py, which loads the cast loader and the planner
    only inside the functions that need them."""
    import subprocess
    import sys

    (tmp_path / "cast.yaml").write_text(CAST.replace("{name: counting}", "{name: sketch}"))
    subprocess.run([sys.executable, "-m", "facebuild", "build", "-q"], cwd=tmp_path, check=True)
    imported, printed = build_importing(tmp_path)
    assert imported == []
    assert "6 cached" in printed
