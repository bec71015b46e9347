"""facebuild diff: what a build would change, why, and what it would cost."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facebuild.commands import fastpath
from facebuild.commands.options import NO_OVERRIDES, Overrides
from facebuild.errors import UsageError
from facebuild.summaries import diff_summary

if TYPE_CHECKING:
    from facebuild.changes import Diff


def diff(cast: Path, *, show_all: bool = False, prompts: bool = False, as_json: bool = False,
         exit_code: bool = False, html: Path | None = None, render: bool = False,
         base: str | None = None, store: str | None = None,
         overrides: Overrides = NO_OVERRIDES) -> int:
    """``facebuild diff``: what a build would change, against the lock (or the lock of the
    commit ``base``); with ``exit_code``, 1 when anything would."""
    if render and not html:
        raise UsageError("--render goes with --html FILE: it renders the new images of the "
                         "review page")
    whole = as_json or show_all or prompts or bool(html) or bool(base)  # every target is looked at
    found = None if whole else fastpath.verdict(cast, overrides)
    if fastpath.noop_diff(found):
        return 0
    # the heavy modules, only when there is work to look at
    from facebuild.changes import diff as compared
    from facebuild.commands.common import account_problems, load_plan
    from facebuild.dist import compare
    from facebuild.errors import LimitError
    from facebuild.pricing import estimate

    # only some characters changed since the last complete build: plan only theirs
    the_plan = load_plan(cast, overrides, found.edited if found is not None else None)
    refused = account_problems(the_plan)
    if refused:
        raise LimitError("; ".join(refused))
    if base:
        from facebuild.review import AsCommitted, committed_lock

        lock = committed_lock(the_plan.cast, base)
        changes = compared(the_plan, lock, dist_state=AsCommitted(lock))
    else:
        lock, changes = compare(the_plan)
    spend = estimate(the_plan, lock, changes=changes, store=store)
    names = lock.names()
    untouched = len(names) - len(the_plan.covered(names))
    generations = spend.generations
    if as_json:
        print(json.dumps(_as_json(changes, generations, spend.cost, spend.model), indent=2))
    else:
        _print_table(changes, show_all=show_all, prompts=prompts)
        counts = changes.counts()
        counts["unchanged"] += untouched  # the targets of the characters not planned
        print(diff_summary(counts, generations, spend.cost, spend.model))
        for warning in spend.warnings:
            print(f"warning: {warning}")
    if html:
        from facebuild.reviewpage import write_review

        shown = write_review(the_plan, changes, generations, html, render=render, base=base,
                             store=store)
        print(f"wrote {html}: {shown} changed target(s)")
    if not changes.has_changes and not base:
        fastpath.record(the_plan, overrides, len(the_plan.targets) + untouched, found)
    return 1 if exit_code and changes.has_changes else 0


def _print_table(changes: Diff, *, show_all: bool, prompts: bool) -> None:
    rows = [c for c in changes.changes.values() if show_all or c.status != "unchanged"]
    width = max((len(c.target) for c in rows), default=0)
    shown: dict[str, str] = {}  # render key -> the target whose prompt diff is printed
    for change in rows:
        reasons = f"  ({', '.join(change.reasons)})" if change.reasons else ""
        print(f"{change.status:<9}  {change.target:<{width}}{reasons}")
        if prompts and "prompt" in change.reasons and change.old and change.new:
            first = shown.setdefault(change.new.render_key, change.target)
            if first != change.target:  # a derived variant: the same render, the same diff
                print(f"    (the same prompt change as {first})")
                continue
            old = _sentences(str((change.old.render or {}).get("prompt", "")))
            new = _sentences(change.new.prompt)
            for line in difflib.unified_diff(old, new, "old prompt", "new prompt", lineterm="",
                                             n=1):
                print(f"    {line}")


def _sentences(text: str) -> list[str]:
    """One sentence a line, so a prompt change reads as a small line diff."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def _as_json(changes: Diff, generations: int, cost: float, model: str) -> dict[str, Any]:
    return {
        "targets": [
            {
                "target": c.target,
                "status": c.status,
                "reasons": list(c.reasons),
                "render_key": c.new.render_key if c.new else None,
                "old_render_key": c.old.render_key if c.old else None,
                "depends_on": c.new.reference if c.new else None,
            }
            for c in changes.changes.values()
        ],
        "counts": changes.counts(),
        "generations": generations,
        "estimated_cost": cost,
        "model": model,
    }
