"""Portable locking: facebuild imports no POSIX-only module, and still lets only one build
of a cast run at a time where ``fcntl`` does not exist (as on Windows)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
NO_FCNTL = "import sys; sys.modules['fcntl'] = None; "


def test_the_package_imports_and_runs_without_fcntl(tmp_path) -> None:
    code = NO_FCNTL + (
        "import pkgutil, importlib, facebuild; "
        "names = [m.name for m in pkgutil.walk_packages(facebuild.__path__, 'facebuild.')]; "
        "[importlib.import_module(n) for n in names if not n.endswith('__main__')]; "
        "from facebuild.cli import main; "
        "raise SystemExit(main(['init', '.']) or main(['build']))")
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "built:" in done.stdout and list((tmp_path / "dist").rglob("*.png"))


def test_two_builds_at_once_without_fcntl_give_the_clear_message(cast_file, tmp_path) -> None:
    log = tmp_path / "generations.log"
    env = {**os.environ, "SLOW_LOG": str(log), "SLOW_SECONDS": "0.5"}
    runner = (NO_FCNTL + "import runpy; sys.argv = sys.argv[1:]; sys.path.insert(0, "
              f"{str(TESTS)!r}); runpy.run_path(sys.argv[0], run_name='__main__')")
    argv = [sys.executable, "-W", "ignore", "-c", runner, str(TESTS / "slowbuild.py"), "build",
            "--jobs", "1", "--output-format", "plain"]
    first = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not log.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=60)
    finally:
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, out + err
    assert second.returncode == 2, second.stdout + second.stderr
    assert second.stderr.splitlines() == [
        f"error: another facebuild build or gc of cast.yaml is running (pid {first.pid}); "
        "wait for it to finish, then run this again"]
    assert "fcntl" not in (err + second.stderr).replace("only soft file lock", "")
