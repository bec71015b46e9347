"""The summary lines of build and diff: plain text from counts, in a module of its own so
that the no-op fast path prints them without importing the reporters."""

from __future__ import annotations

__all__ = ["build_summary", "diff_summary", "start_line"]


def build_summary(counts: dict[str, int], renders: int, cost: float, dry_run: bool,
                  spent: float = 0.0) -> str:
    """The last line of a build: what was spent (renders made × price) and, apart, what
    was estimated before it started."""
    parts = [f"{counts['generated']} generated", f"{counts['derived']} derived",
             f"{counts['cached']} cached", f"{counts['failed']} failed"]
    if counts.get("kept"):
        parts.append(f"{counts['kept']} kept (edited by hand)")
    if counts.get("removed"):
        parts.append(f"{counts['removed']} removed")
    if dry_run:
        price = f"; estimated ${cost:.2f}" if cost else ""
    else:
        price = f"; spent ${spent:.2f}, estimated ${cost:.2f}" if cost or spent else ""
    prefix = "dry run: would build" if dry_run else "built"
    return f"{prefix}: {', '.join(parts)} ({renders} renders{price})"


def start_line(outputs: int, renders: int, cost: float) -> str:
    price = f" (estimated ${cost:.2f})" if cost else ""
    return f"building {outputs} outputs, {renders} generations{price}"


def diff_summary(counts: dict[str, int], generations: int, cost: float, model: str) -> str:
    """The last line of ``facebuild diff``."""
    order = ("new", "changed", "rederive", "edited", "removed", "unchanged")
    parts = ", ".join(f"{counts[s]} {s}" for s in order if counts.get(s))
    price = f", estimated ${cost:.2f} on {model}" if cost else ""
    return f"{parts or 'nothing'}; a build would make {generations} generations{price}"
