"""Benchmark of reference edges on a large cast (run by hand, not in CI).

Two casts of N characters (default 2,500) x 3 variants, one where the full body is rendered
from the bust (``reference: bust``) and one without; both built once with the sketch
backend. Then measures, interleaved, medians:
  - a no-op ``facebuild build`` of each, and the ratio with / without (target: about 1)
  - the full check (a comment changes the bytes, two characters swapped: every prompt
    rendered, every key and reference compared) of each, and the ratio
  - a one-bust edit (a pinned bust seed on one character): exactly that character's chain
    re-rendered (bust and full: 2 renders; bust, icon and full rewritten), nothing else

    python bench/references_bench.py [--characters 2500] [--keep DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_cast(folder: Path, characters: int, references: bool) -> Path:
    edge = ", reference: bust, strength: 0.55" if references else ""
    lines = [
        "version: 1",
        "name: Bench",
        "world: {context: A moon base., style: Clean cartoon portraits., negative: text}",
        "seed: 1",
        "variants:",
        "  bust: {size: 48, frame: Head and shoulders portrait}",
        "  icon: {size: 24, from: bust}",
        f"  full: {{size: [64, 96], frame: Full body, crop: top{edge}}}",
        "characters:",
    ]
    for i in range(characters):
        lines.append(f"  - {{id: person-{i:05d}, name: Person {i}, description: crew member {i}}}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cast.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def facebuild(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "facebuild", *args], capture_output=True,
                          text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"facebuild {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout


def swap_two(cast: Path) -> None:
    """Swap the last two characters: the same targets, another document (a full check)."""
    lines = cast.read_text().splitlines()
    lines[-1], lines[-2] = lines[-2], lines[-1]
    cast.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=2500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="facebuild-refs-bench-"))
    casts = {kind: write_cast(root / kind, args.characters, kind == "with")
             for kind in ("with", "without")}
    for kind, cast in casts.items():
        seconds, out = facebuild("build", str(cast), "--output-format", "plain")
        print(f"first build {kind:>7} references: {seconds:6.1f} s  {out.strip().splitlines()[-1]}")
    noop: dict[str, list[float]] = {"with": [], "without": []}
    full: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(args.repeat):  # interleaved, so load on the machine hits both alike
        for kind, cast in casts.items():
            noop[kind].append(facebuild("build", str(cast), "-q")[0])
        for kind, cast in casts.items():
            swap_two(cast)
            full[kind].append(facebuild("build", str(cast), "-q")[0])
    for label, table in (("no-op build", noop), ("full check build", full)):
        with_s, without_s = statistics.median(table["with"]), statistics.median(table["without"])
        print(f"{label:>17}: with references {with_s:.3f} s, without {without_s:.3f} s, "
              f"ratio {with_s / without_s:.2f}")
    cast = casts["with"]
    person = f"person-{args.characters // 2:05d}"
    text = cast.read_text().replace(f"{{id: {person}, ", f"{{id: {person}, seeds: {{bust: 12345}}, ")
    cast.write_text(text)
    _, out = facebuild("build", str(cast), "--output-format", "plain")
    written = sorted(re.findall(r"^(?:generated|derived)\s+(\S+)", out, flags=re.MULTILINE))
    print(f"one-bust edit of {person}: rewrote {', '.join(written)}; {out.strip().splitlines()[-1]}")
    expected = [f"{person}/bust", f"{person}/full", f"{person}/icon"]
    print("exactly that character's chain:", "yes" if written == expected else "NO")
    if args.keep is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
