"""Benchmark of the core against GNU make (run by hand, not in CI).

Prints every row of the table "The full check at make's speed" (issue 11) as seconds and
as a ratio to ``make -r -q`` on an equivalent Makefile (one explicit rule per target),
measured in the same run: each facebuild run is paired with a make run, in turn, and
medians are compared.

  - no-op ``build``, nothing changed                                (goal <= 3x make)
  - full check, ``diff`` and ``build``: two characters swapped, so the cast file says
    something else but no target changed: each character's meaning compared with the
    stamp's                                                         (goal <= 0.25 s, 8x)
  - whole plan: the cast renamed, which no template uses, so no target changed, but the
    change is outside the characters: validated, every prompt rendered, every key compared
  - one character edited, ``build``: its 4 targets rewritten, 2 renders made (goal <= 0.6 s)
  - the same no-op and full check on a large cast                   (goal <= 0.5 s / 2.5 s),
    its whole plan, and one character edited there (nothing may grow faster than the cast)
  - peak memory of the large full check                             (goal <= 400 MB)
  - lock size per target                                            (goal <= 0.6 KB)

The large cast (default 25,000 characters = 100,000 targets) is drawn at 16 pixels, so
that its first build takes minutes, not an hour; no check reads a pixel.

    python bench/core_bench.py [--characters 2500] [--large 25000] [--rounds 5] [--keep DIR] [--cpu]

With ``--keep DIR`` the projects stay in DIR, and a second run there reuses them.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

COLOURS = ["red", "blue", "green", "black", "white", "orange", "purple", "silver"]
ROLES = ["Digger", "Pilot", "Medic", "Trader", "Guard", "Brewer", "Cook", "Mechanic"]
VARIANTS = ("bust", "icon", "token", "full")
SIZES = {"normal": ("256", "64", "32", "[256, 512]"), "tiny": ("16", "8", "8", "[16, 32]")}


def write_cast(folder: Path, characters: int, sizes: str = "normal") -> Path:
    bust, icon, token, full = SIZES[sizes]
    lines = [
        "version: 1",
        "name: Bench",
        "world:",
        "  context: A busy moon base where everyone drinks lemonade.",
        "  style: Clean cartoon portraits, teal and lemon palette.",
        "  negative: text, watermark",
        "seed: 1",
        "variants:",
        f"  bust: {{size: {bust}, frame: Head and shoulders portrait}}",
        f"  icon: {{size: {icon}, from: bust}}",
        f"  token: {{size: {token}, from: bust}}",
        f"  full: {{size: {full}, frame: Full body, crop: top}}",
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
    """The make equivalent: one source per character, one explicit rule per target."""
    src = folder / "src"
    src.mkdir(parents=True)
    targets, rules = [], []
    for i in range(characters):
        (src / f"person-{i:05d}.txt").write_text(f"person {i}\n")
        for variant in VARIANTS:
            target = f"out/person-{i:05d}/{variant}.png"
            targets.append(target)
            rules.append(f"{target}: src/person-{i:05d}.txt\n\t@mkdir -p $(@D) && cp $< $@")
    text = "all: " + " ".join(targets) + "\n\n" + "\n".join(rules) + "\n"
    (folder / "Makefile").write_text(text)
    subprocess.run(["make", "-r", "-s", "-j2"], cwd=folder, check=True)


def swap_last_two_characters(cast: Path) -> None:
    """Reorder characters: the cast means something else, but no target changes."""
    lines = cast.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("  - id: ")]
    a, b = starts[-2], starts[-1]
    lines[a:] = lines[b:] + lines[a:b]
    cast.write_text("\n".join(lines) + "\n")


def run(command: list[str], cwd: Path) -> float:
    """Seconds the command took: wall-clock, or with --cpu its CPU time (user + system),
    which other work on a shared machine disturbs less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=CHILD_ENV)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed in {cwd}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    if CPU_TIME:
        return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed


class Project:
    """A generated cast, built once, with its make twin."""

    def __init__(self, folder: Path, characters: int, sizes: str) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.targets = 4 * characters
        self.cast = folder / "cast.yaml"
        self.make_dir = folder / "make"
        self.first_build = 0.0
        self.renames = 0
        if (folder / "cast.lock").exists() and (self.make_dir / "out").exists():
            print(f"reusing the project built in {folder}", flush=True)  # --keep, a second run
        else:
            write_cast(folder, characters, sizes)
            write_makefile(self.make_dir, characters)
            start = time.perf_counter()
            run([*FACEBUILD, "build", "--output-format", "plain"], folder)
            self.first_build = time.perf_counter() - start
        run([*FACEBUILD, "build", "--output-format", "plain"], folder)  # records the no-op stamp

    def paired(self, command: list[str], rounds: int,
               prepare: Callable[[int], None] | None = None) -> tuple[float, float]:
        """Median seconds of ``facebuild COMMAND`` and of ``make -r -q``, run in turn."""
        ours, make = [], []
        for i in range(rounds):
            make.append(run(["make", "-r", "-q"], self.make_dir))
            if prepare is not None:
                prepare(i)
            ours.append(run([*FACEBUILD, *command], self.folder))
        return statistics.median(ours), statistics.median(make)

    def touched(self, _: int) -> None:
        """The same bytes with a new mtime (as after a git checkout)."""
        os.utime(self.cast)

    def commented(self, i: int) -> None:
        """Other bytes, the same meaning."""
        with self.cast.open("a") as handle:
            handle.write(f"# comment {i}\n")

    def swapped(self, _: int) -> None:
        swap_last_two_characters(self.cast)

    def renamed(self, _: int) -> None:
        """A new cast name: no template uses it, so no target changes, but it is outside
        the characters, so the whole cast is loaded and planned again. Each call a name
        not used before (a diff that finds nothing records the stamp a build then uses)."""
        self.renames += 1
        lines = self.cast.read_text().splitlines()
        at = lines.index(next(line for line in lines if line.startswith("name: ")))
        lines[at] = f"name: Bench {self.renames} {time.time_ns()}"
        self.cast.write_text("\n".join(lines) + "\n")

    def edited(self, i: int) -> None:
        """A new description for character 7, each round another."""
        lines = self.cast.read_text().splitlines()
        at = lines.index("  - id: person-00007") + 3
        lines[at] = (f"    description: Friendly crew member number 7, with a {COLOURS[i % 8]} hat "
                     f"and a {ROLES[i // 8 % 8].lower()} badge.")
        self.cast.write_text("\n".join(lines) + "\n")

    def lock_bytes_per_target(self) -> float:
        return (self.folder / "cast.lock").stat().st_size / self.targets

    def peak_mb(self, command: list[str]) -> float:
        """Peak RSS of one child, read from a fresh helper so earlier children do not count."""
        probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
                 "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        result = subprocess.run([sys.executable, "-c", probe, *FACEBUILD, *command],
                                cwd=self.folder, capture_output=True, text=True, check=True, env=CHILD_ENV)
        return int(result.stdout.strip()) / 1024


FACEBUILD = [sys.executable, "-m", "facebuild"]
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Children keep their bytecode caches, as an installed tool has its .pyc files: in a shell
that sets PYTHONDONTWRITEBYTECODE every run would otherwise compile facebuild (~0.1 s)."""
CPU_TIME = False
BUILD = ["build", "--output-format", "plain"]


def row(label: str, seconds: float, make: float, goal: str) -> str:
    return f"| {label} | {seconds:.3f} s = {seconds / make:.1f}x make | {goal} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=2500)
    parser.add_argument("--large", type=int, default=25000, help="characters of the large cast; 0 skips it")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--cpu", action="store_true", help="CPU time instead of wall-clock time")
    args = parser.parse_args()
    global CPU_TIME
    CPU_TIME = args.cpu
    root = args.keep or Path(tempfile.mkdtemp(prefix="facebuild-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    rounds = args.rounds
    lines = ["| case | now | goal |", "| --- | --- | --- |"]

    small = Project(root / "small", args.characters, "normal")
    n = small.targets
    print(f"{n:,} targets: first build {small.first_build:.1f} s", flush=True)
    noop, make = small.paired(BUILD, rounds)
    lines.append(row(f"no-op, {n:,} targets", noop, make, "<= 3x"))
    diff_s, make_d = small.paired(["diff"], rounds, small.swapped)
    build_s, make_b = small.paired(BUILD, rounds, small.swapped)
    lines.append(f"| full check (cast changed, no target changed: characters reordered), {n:,}, "
                 f"diff / build | {diff_s:.3f} / {build_s:.3f} s = {diff_s / make_d:.1f}x / "
                 f"{build_s / make_b:.1f}x make | <= 0.25 s (<= 8x) |")
    whole_d, make_wd = small.paired(["diff"], rounds, small.renamed)
    whole_b, make_wb = small.paired(BUILD, rounds, small.renamed)
    lines.append(f"| whole plan (cast renamed, no target changed), {n:,}, diff / build | "
                 f"{whole_d:.3f} / {whole_b:.3f} s = {whole_d / make_wd:.1f}x / "
                 f"{whole_b / make_wb:.1f}x make | (the full check's goal) |")
    edit_s, make_e = small.paired(BUILD, rounds, small.edited)
    lines.append(row(f"one character edited, build, {n:,}", edit_s, make_e, "<= 0.6 s"))
    small_lock = small.lock_bytes_per_target()
    touch_s, make_t = small.paired(BUILD, rounds, small.touched)
    comment_s, make_c = small.paired(BUILD, rounds, small.commented)
    help_s, _ = small.paired(["--help"], rounds)
    also = [f"| no-op build after `touch cast.yaml`, {n:,} | {touch_s:.3f} s = "
            f"{touch_s / make_t:.1f}x make |",
            f"| no-op build after a comment was added, {n:,} | {comment_s:.3f} s = "
            f"{comment_s / make_c:.1f}x make |",
            f"| `facebuild --help` | {help_s:.3f} s |"]
    print(f"make -r -q at {n:,} targets: {make:.3f} s", flush=True)

    if args.large:
        large = Project(root / "large", args.large, "tiny")
        big = large.targets
        print(f"{big:,} targets: first build {large.first_build:.1f} s", flush=True)
        check_s, make_c = large.paired(["diff"], max(3, rounds // 2), large.swapped)
        noop_s, make_n = large.paired(BUILD, max(3, rounds // 2))
        whole_s, make_w = large.paired(["diff"], max(3, rounds // 2), large.renamed)
        lines.append(f"| {big:,} targets: full check (reordered) / no-op | {check_s:.2f} s / "
                     f"{noop_s:.2f} s = {check_s / make_c:.1f}x / {noop_s / make_n:.1f}x make | "
                     "<= 2.5 s / <= 0.5 s |")
        lines.append(f"| {big:,} targets: whole plan (renamed), diff | {whole_s:.2f} s = "
                     f"{whole_s / make_w:.1f}x make | (the full check's goal) |")
        edit_l, make_el = large.paired(BUILD, max(3, rounds // 2), large.edited)
        lines.append(f"| {big:,} targets: one character edited, build | {edit_l:.2f} s = "
                     f"{edit_l / make_el:.1f}x make | (grows with the cast, not faster) |")
        large.swapped(0)
        reordered = large.peak_mb(BUILD)
        large.renamed(99)
        whole = large.peak_mb(BUILD)
        lines.append(f"| peak memory, {big:,} full check (reordered) / whole plan (renamed) | "
                     f"{reordered:.0f} MB / {whole:.0f} MB | <= 400 MB |")
        print(f"make -r -q at {big:,} targets: {make_c:.3f} s", flush=True)
    lines.append(f"| lock size per target | {small_lock / 1024:.2f} KB ({small_lock * n / 2**20:.1f} MB "
                 f"at {n:,}) | <= 0.6 KB |")
    print(("CPU time" if CPU_TIME else "wall-clock time") + f", medians of {rounds} paired runs:")
    print("\n".join(lines))
    print("\n| also measured | now |\n| --- | --- |\n" + "\n".join(also))
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
