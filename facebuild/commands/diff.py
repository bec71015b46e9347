"""facebuild diff: what a build would change, why, and what it would cost."""

from __future__ import annotations

import argparse
import difflib
import json
import re
from typing import TYPE_CHECKING, Any

from facebuild.commands import fastpath
from facebuild.report import diff_summary

if TYPE_CHECKING:
    from facebuild.changes import Diff
    from facebuild.planner import Plan


def run(args: argparse.Namespace) -> int:
    if fastpath.noop_diff(args):
        return 0
    # the heavy modules, only when there is work to look at
    from facebuild.changes import diff
    from facebuild.commands.common import load_plan
    from facebuild.lock import read_lock

    the_plan = load_plan(args)
    cast = the_plan.cast
    lock = read_lock(cast.lock_path, cast.state_dir / "journal.jsonl")
    changes = diff(the_plan, lock)
    generations = pending_generations(the_plan, changes)
    caps = the_plan.capabilities
    cost = generations * caps.price_per_image if caps.paid else 0.0
    if args.json:
        print(json.dumps(_as_json(changes, generations, cost, caps.model), indent=2))
    else:
        _print_table(changes, show_all=args.all, prompts=args.prompts)
        print(diff_summary(changes.counts(), generations, cost, caps.model))
        if caps.lifecycle != "active" and generations:
            print(f"warning: {caps.model} is {caps.lifecycle}: the service may refuse every call")
    if not changes.has_changes:
        fastpath.record(args, the_plan)
    return 1 if args.exit_code and changes.has_changes else 0


def pending_generations(the_plan: Plan, changes: Diff) -> int:
    """Distinct renders a build would pay for: needed by an output, not in the store."""
    from facebuild.store import Store

    store = Store(the_plan.cast.store_dir)
    keys = {c.new.render_key for c in changes.changes.values() if c.needs_output and c.new}
    return sum(1 for key in keys if not store.has(key))


def _print_table(changes: Diff, *, show_all: bool, prompts: bool) -> None:
    rows = [c for c in changes.changes.values() if show_all or c.status != "unchanged"]
    width = max((len(c.target) for c in rows), default=0)
    for change in rows:
        reasons = f"  ({', '.join(change.reasons)})" if change.reasons else ""
        print(f"{change.status:<9}  {change.target:<{width}}{reasons}")
        if prompts and "prompt" in change.reasons and change.old and change.new:
            old = _sentences(change.old.get("render", {}).get("prompt", ""))
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
                "old_render_key": c.old.get("render_key") if c.old else None,
            }
            for c in changes.changes.values()
        ],
        "counts": changes.counts(),
        "generations": generations,
        "estimated_cost": cost,
        "model": model,
    }
