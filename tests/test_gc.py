"""gc: only store objects are ever touched, and never during a build of the same cast."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from conftest import flat_png
from lockfile import lock_targets
from slowbuild import command

TESTS = Path(__file__).resolve().parent


def test_gc_with_the_store_among_user_files_removes_only_objects(cast_file, cli) -> None:
    folder = cast_file.parent
    cast_file.write_text(cast_file.read_text() + "store: .\n")
    assert cli("build")[0] == 0
    mine = {
        "ab/holiday.png": flat_png("holiday", 1, 8, 8),  # a user's image in a 2-letter folder
        "cd/ef.png": flat_png("ef", 1, 8, 8),
        f"ab/{'a' * 64}.png": flat_png("wrong folder", 1, 8, 8),  # key in the wrong shard
        f"{'b' * 2}/{'b' * 63}.png": flat_png("short", 1, 8, 8),
        f"{'c' * 2}/{'C' * 64}.png": flat_png("upper", 1, 8, 8),
        "zz/notes.txt": b"mine",
    }
    for name, data in mine.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    # an unreferenced render: drop bob from the cast and rebuild
    cast_file.write_text(cast_file.read_text().replace("  - id: bob\n    name: Bob\n    role: Cook\n"
                                                       "    description: Round cook with a beard.\n", ""))
    assert cli("build")[0] == 0
    code, out, err = cli("gc", "--dry-run")
    assert (code, err) == (0, ""), err
    assert out.startswith("would drop 2 render(s)")
    code, out, _ = cli("gc")
    assert code == 0 and out.startswith("dropped 2 render(s)")
    for name, data in mine.items():
        assert (folder / name).read_bytes() == data, name
    lock = lock_targets(folder)
    for entry in lock.values():
        key = entry["render_key"]
        assert (folder / key[:2] / f"{key}.png").is_file()


def test_gc_dry_run_ignores_a_stray_file_in_the_store(cast_file, cli) -> None:
    assert cli("build")[0] == 0
    stray = cast_file.parent / ".facebuild/store/ab/not-a-render.png"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"x")
    assert cli("gc", "--dry-run")[:2] == (0, "would drop 0 render(s), 0.0 MB\n")
    assert cli("gc")[0] == 0 and stray.read_bytes() == b"x"


def test_gc_during_a_build_removes_nothing_the_new_lock_needs(cast_file, cli, tmp_path) -> None:
    assert cli("build")[0] == 0  # the old lock
    cast_file.write_text(cast_file.read_text().replace("warm palette", "cold palette"))
    log = tmp_path / "generations.log"
    env = {"SLOW_LOG": str(log), "SLOW_SECONDS": "0.5"}
    build = subprocess.Popen(command(TESTS, "build", "--jobs", "1", "--output-format", "plain"),
                             cwd=tmp_path, env={**os.environ, **env}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while (not log.exists() or len(log.read_text().splitlines()) < 2) \
                and time.monotonic() < deadline:
            time.sleep(0.05)  # the first new render is stored, the second is under way
        code, out, err = cli("gc")
    finally:
        stdout, stderr = build.communicate(timeout=120)
    assert build.returncode == 0, stdout + stderr
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "another facebuild build or gc of cast.yaml is running (pid" in err
    lock = lock_targets(tmp_path)
    store = tmp_path / ".facebuild/store"
    missing = [t for t, e in lock.items()
               if not (store / e["render_key"][:2] / f"{e['render_key']}.png").is_file()]
    assert missing == []
    assert cli("gc")[0] == 0  # after the build: the old renders go
