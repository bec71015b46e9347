"""Benchmark of the core on a large cast (run by hand, not in CI).

Generates a cast of N characters x 4 variants (default 2,500 x 4 = 10,000 targets), builds
it once with the sketch backend, then measures:
  - a no-op `facebuild build` and `facebuild diff`        (target <= 1 s each): nothing
    changed, after `touch cast.yaml` (same bytes), after a comment was added (same
    meaning), and after two characters were swapped (a full check: the cast validated,
    every prompt rendered, every key compared)
  - the same no-op for GNU make on an equivalent Makefile  (target: facebuild <= 3x make)
  - `facebuild --help`                                     (target <= 0.3 s)
  - a one-character edit: exactly its 4 targets rewritten, 2 renders generated
  - peak memory (max RSS) of the no-op build               (target <= 200 MB)

    python bench/core_bench.py [--characters 2500] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLOURS = ["red", "blue", "green", "black", "white", "orange", "purple", "silver"]
ROLES = ["Digger", "Pilot", "Medic", "Trader", "Guard", "Brewer", "Cook", "Mechanic"]


def write_cast(folder: Path, characters: int) -> Path:
    lines = [
        "version: 1",
        "name: Bench",
        "world:",
        "  context: A busy moon base where everyone drinks lemonade.",
        "  style: Clean cartoon portraits, teal and lemon palette.",
        "  negative: text, watermark",
        "seed: 1",
        "variants:",
        "  bust: {size: 256, frame: Head and shoulders portrait}",
        "  icon: {size: 64, from: bust}",
        "  token: {size: 32, from: bust}",
        "  full: {size: [256, 512], frame: Full body, crop: top}",
        "characters:",
    ]
    for i in range(characters):
        hair, eyes = COLOURS[i % 8], COLOURS[(i // 8) % 8]
        lines += [
            f"  - id: person-{i:05d}",
            f"    name: Person {i}",
            f"    role: {ROLES[i % 8]}",
            f"    description: Friendly crew member with {hair} hair and {eyes} eyes, number {i}.",
        ]
    path = folder / "cast.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_makefile(folder: Path, characters: int) -> None:
    """An equivalent make project: one source per character, 4 outputs each."""
    src = folder / "src"
    src.mkdir()
    rules = ["VARIANTS := bust icon token full", "all: \\"]
    targets = []
    for i in range(characters):
        (src / f"person-{i:05d}.txt").write_text(f"person {i}\n")
        for variant in ("bust", "icon", "token", "full"):
            targets.append(f"out/person-{i:05d}/{variant}.png")
    rules.append(" \\\n".join(f"  {t}" for t in targets))
    rules.append("")
    rules.append("out/%/bust.png out/%/icon.png out/%/token.png out/%/full.png: src/%.txt")
    rules.append("\t@mkdir -p out/$*\n\t@for v in $(VARIANTS); do cp $< out/$*/$$v.png; done")
    (folder / "Makefile").write_text("\n".join(rules) + "\n")


def timed(command: list[str], cwd: Path, repeat: int = 5) -> tuple[float, str]:
    times = []
    out = ""
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
        out = result.stdout
    return statistics.median(times), out


def after_touch(command: list[str], cwd: Path, cast: Path, repeat: int = 3) -> float:
    """A no-op after the cast's mtime moved but not its bytes (as after a git checkout)."""
    times = []
    for _ in range(repeat):
        os.utime(cast)
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def after_comment(command: list[str], cwd: Path, cast: Path, repeat: int = 3) -> float:
    """A no-op after a comment was added to the cast: other bytes, the same meaning."""
    times = []
    for i in range(repeat):
        with cast.open("a") as handle:
            handle.write(f"# comment {time.time()} {i}\n")
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def swap_last_two_characters(cast: Path) -> None:
    """Reorder characters: the cast means something else, but no target changes."""
    lines = cast.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("  - id: ")]
    a, b = starts[-2], starts[-1]
    lines[a:] = lines[b:] + lines[a:b]
    cast.write_text("\n".join(lines) + "\n")


def full_check(command: list[str], cwd: Path, cast: Path, repeat: int = 3) -> float:
    """A no-op after the characters were reordered: the full check, nothing to rebuild."""
    times = []
    for _ in range(repeat):
        swap_last_two_characters(cast)
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def max_rss_mb(command: list[str], cwd: Path) -> float:
    """Peak RSS of one child, measured with a fresh helper process so that earlier
    children do not count."""
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *command], cwd=cwd, capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=2500)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="facebuild-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    facebuild = [shutil.which("facebuild") or "facebuild"]
    n = args.characters
    print(f"cast: {n} characters x 4 variants = {4 * n} targets in {folder}")
    cast = write_cast(folder, n)

    start = time.perf_counter()
    subprocess.run(
        [*facebuild, "build", "--output-format", "plain"], cwd=folder, check=True, stdout=subprocess.DEVNULL
    )
    full_build = time.perf_counter() - start

    noop_build, out = timed([*facebuild, "build", "--output-format", "plain"], folder)
    assert f"{4 * n} cached" in out, out
    noop_diff, _ = timed([*facebuild, "diff"], folder)
    touch_build = after_touch([*facebuild, "build", "--output-format", "plain"], folder, cast)
    touch_diff = after_touch([*facebuild, "diff"], folder, cast)
    comment_build = after_comment([*facebuild, "build", "--output-format", "plain"], folder, cast)
    comment_diff = after_comment([*facebuild, "diff"], folder, cast)
    full_check_build = full_check([*facebuild, "build", "--output-format", "plain"], folder, cast)
    full_check_diff = full_check([*facebuild, "diff"], folder, cast)
    help_time, _ = timed([*facebuild, "--help"], folder, repeat=9)
    rss = max_rss_mb([*facebuild, "build", "--output-format", "plain"], folder)
    swap_last_two_characters(cast)
    rss_full = max_rss_mb([*facebuild, "build", "--output-format", "plain"], folder)

    make_dir = folder / "make"
    shutil.rmtree(make_dir, ignore_errors=True)
    make_dir.mkdir()
    write_makefile(make_dir, n)
    subprocess.run(["make", "-s", "-j2"], cwd=make_dir, check=True)
    make_noop, _ = timed(["make", "-s"], make_dir)

    text = cast.read_text().replace("number 7.", "number 7, now with a hat.")
    cast.write_text(text)
    _, edit_out = timed([*facebuild, "build", "--output-format", "plain"], folder, repeat=1)
    written = [
        line.split()[1] for line in edit_out.splitlines() if line.strip().startswith(("generated", "derived"))
    ]

    print(f"full sketch build:        {full_build:8.2f} s")
    print(f"no-op facebuild build:    {noop_build:8.3f} s   (target <= 1 s)")
    print(f"no-op facebuild diff:     {noop_diff:8.3f} s   (target <= 1 s)")
    print(f"  after touch, build:     {touch_build:8.3f} s   (same bytes, new mtime)")
    print(f"  after touch, diff:      {touch_diff:8.3f} s")
    print(f"  after a comment, build: {comment_build:8.3f} s   (same meaning)")
    print(f"  after a comment, diff:  {comment_diff:8.3f} s")
    print(f"  full check, build:      {full_check_build:8.3f} s   (two characters swapped)")
    print(f"  full check, diff:       {full_check_diff:8.3f} s   (two characters swapped)")
    print(
        f"no-op GNU make:           {make_noop:8.3f} s   "
        f"(facebuild/make = {noop_build / make_noop:.1f}x, target <= 3x)"
    )
    print(f"facebuild --help:         {help_time:8.3f} s   (target <= 0.3 s)")
    print(f"no-op build peak memory:  {rss:8.1f} MB  (target <= 200 MB); "
          f"full check: {rss_full:.1f} MB")
    print(f"one-character edit:       {len(written)} targets rewritten: {', '.join(sorted(written))}")
    if not args.keep:
        shutil.rmtree(folder)
    os.sync()


if __name__ == "__main__":
    main()
