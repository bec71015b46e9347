"""The commands go through the library: clean, gc and estimate are library calls with the
same results as the commands, diff only compares, and clean speaks JSON."""

from __future__ import annotations

import json
from pathlib import Path

import facebuild
from tests.conftest import CAST


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
