"""SIGKILL a build at random moments: every dist file and the lock stay whole (old or
new), and a rerun pays for no render that had finished."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from lockfile import lock_targets
from PIL import Image

RUNNER = '''
import io, os, sys, time, hashlib
from pathlib import Path
from PIL import Image
from facebuild.backends import register_backend, Capabilities
LOG = Path(sys.argv[1])

class Slow:
    name = "slow"
    def __init__(self, options, base_dir): pass
    def capabilities(self): return Capabilities("slow", "slow-1", None, None, 1, 2**31, 0.0, 2, 16, 4096)
    def identity(self, request): return {}
    def render_size(self, w, h): return (w, h)
    def check(self, request): return []
    def preflight(self): pass
    def cancel(self): pass
    def close(self): pass
    def generate(self, request, progress=None):
        time.sleep(float(os.environ.get("SLOW_SECONDS", "0.08")))
        colour = hashlib.sha256(request.prompt.encode()).digest()[:3]
        out = io.BytesIO()
        Image.effect_noise((request.width, request.height), 40).convert("RGB").save(out, "PNG")
        with LOG.open("a") as log:
            log.write(request.label + "\\n")
        return out.getvalue()

register_backend("slow", Slow)
from facebuild.cli import main
sys.exit(main(sys.argv[2:]))
'''

CHARACTERS = 14


def cast_text() -> str:
    people = "".join(f"  - {{id: person-{i}, name: Person {i}, description: number {i}}}\n"
                     for i in range(CHARACTERS))
    return ("version: 1\nname: Kill\nbackend: {name: slow}\nvariants:\n"
            "  bust: {size: 320, frame: Bust}\n  icon: {size: 64, from: bust}\n"
            f"characters:\n{people}")


def check_whole(base: Path) -> None:
    lock_path = base / "cast.lock"
    if lock_path.exists():
        json.loads(lock_path.read_text())  # never half written
    for png in (base / "dist").rglob("*.png"):
        if png.name.startswith("."):
            continue  # a temp file of an unfinished write, removed by the next build
        with Image.open(png) as img:
            img.load()  # raises on a truncated file


def store_keys(base: Path) -> set[str]:
    return {p.stem for p in (base / ".facebuild" / "store").glob("*/*.png")}


def test_sigkill_at_any_moment_loses_nothing(tmp_path: Path) -> None:
    (tmp_path / "cast.yaml").write_text(cast_text())
    (tmp_path / "runner.py").write_text(RUNNER)
    log = tmp_path / "generated.log"
    command = [sys.executable, "runner.py", str(log), "build", "--jobs", "2",
               "--output-format", "plain"]
    rng = random.Random(1234)
    runs: list[tuple[set[str], int]] = []  # (stored keys before the run, log lines before)
    for _ in range(6):
        runs.append((store_keys(tmp_path), len(log.read_text().splitlines()) if log.exists() else 0))
        proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.2))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        check_whole(tmp_path)
    runs.append((store_keys(tmp_path), len(log.read_text().splitlines()) if log.exists() else 0))
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kept" not in done.stdout  # outputs of killed builds are not taken for hand edits
    check_whole(tmp_path)
    assert not list((tmp_path / "dist").rglob(".facebuild-tmp-*"))

    lock = lock_targets(tmp_path)
    assert len(lock) == 2 * CHARACTERS
    key_of = {name: entry["render_key"] for name, entry in lock.items()}
    lines = log.read_text().splitlines()
    ends = [*runs[1:], (set(), len(lines))]
    for (stored_before, first_line), (_, next_first) in zip(runs, ends, strict=True):
        paid_again = [label for label in lines[first_line:next_first]
                      if key_of[label] in stored_before]
        assert paid_again == [], "a finished render was generated again"
    # the last, complete run generated only what no earlier run had finished
    assert len(set(lines)) == CHARACTERS


def test_ctrl_c_stops_the_build_keeps_what_finished_and_exits_130(tmp_path: Path) -> None:
    (tmp_path / "cast.yaml").write_text(cast_text())
    (tmp_path / "runner.py").write_text(RUNNER)
    log = tmp_path / "generated.log"
    command = [sys.executable, "runner.py", str(log), "build", "--jobs", "2",
               "--output-format", "plain"]
    slow = {**os.environ, "SLOW_SECONDS": "0.4"}  # 14 renders, 2 at a time: about 3 s
    # a runner that started us in the background may have set SIGINT to "ignore": restore it
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=slow,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 30
    while not log.exists() or len(log.read_text().splitlines()) < 3:
        assert time.monotonic() < deadline, "nothing was generated"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert err.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in err
    check_whole(tmp_path)
    finished = json.loads((tmp_path / "cast.lock").read_text())["targets"]
    assert finished  # what finished before the interrupt is in the lock
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert "kept" not in done.stdout
    assert len(set(log.read_text().splitlines())) == CHARACTERS
