"""Benchmark of the site a build writes (run by hand, not in CI): the CPU time of
``write_manifest`` and ``write_site`` (and, inside it, of the gallery and the contact
sheet) in a real ``facebuild build`` after one character's description was edited.

    python bench/site_bench.py PROJECT [--rounds 5]

PROJECT is a built copy of the 10,000-target cast of ``bench/core_bench.py`` (``--keep``);
each round edits the description of person-00007 and builds it in this process, so each
build rewrites 4 targets and makes 2 renders. The functions are timed by wrapping them
here, in the benchmark only.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import facebuild.builder
import facebuild.gallery
import facebuild.sheet
from facebuild.cli import main as facebuild_main

COLOURS = ["red", "blue", "green", "black", "white", "orange", "purple", "silver"]
TIMES: dict[str, list[float]] = {}


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            TIMES.setdefault(name, []).append(time.process_time() - start)
    return wrapper


def edit(cast: Path, i: int) -> None:
    lines = cast.read_text().splitlines()
    at = lines.index("  - id: person-00007") + 3
    lines[at] = f"    description: Friendly crew member number 7, with a {COLOURS[i % 8]} hat, try {i}."
    cast.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    facebuild.builder.write_manifest = timed("write_manifest", facebuild.builder.write_manifest)
    facebuild.builder.write_site = timed("write_site", facebuild.builder.write_site)
    facebuild.gallery.gallery_html = timed("gallery_html", facebuild.gallery.gallery_html)
    for name in ("write_build_sheet", "write_sheet"):  # before and after the sheet came in pages
        if hasattr(facebuild.sheet, name):
            setattr(facebuild.sheet, name, timed(name, getattr(facebuild.sheet, name)))
    cast = args.project / "cast.yaml"
    for i in range(args.rounds):
        edit(cast, int(time.time()) + i)
        start = time.process_time()
        code = facebuild_main(["build", str(cast), "--output-format", "plain"])
        TIMES.setdefault("build (in process)", []).append(time.process_time() - start)
        assert code == 0, code
    for name, values in TIMES.items():
        print(f"{name:24} median {statistics.median(values) * 1000:7.1f} ms CPU  "
              f"({', '.join(f'{v * 1000:.0f}' for v in values)})")


if __name__ == "__main__":
    main()
