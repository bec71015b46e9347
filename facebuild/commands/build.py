"""facebuild build: bring dist/ and cast.lock up to date."""

from __future__ import annotations

import argparse
import os
import sys

from facebuild.builder import Builder, ConfirmCost
from facebuild.commands.common import load_plan
from facebuild.errors import UsageError
from facebuild.report import JsonReporter, PlainReporter, Reporter, RichReporter

DEFAULT_CONFIRM_OVER = 1.00


def run(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    the_plan = load_plan(args)
    report = Builder(the_plan, _reporter(args.output_format)).run(
        args.targets or None, force=args.force, jobs=args.jobs, dry_run=args.dry_run,
        max_cost=args.max_cost, confirm=_confirm(args))
    return 0 if report.ok else 1


def _reporter(choice: str) -> Reporter:
    if choice == "json":
        return JsonReporter()
    if choice == "plain" or not sys.stdout.isatty():
        return PlainReporter()
    return RichReporter()


def _confirm(args: argparse.Namespace) -> ConfirmCost | None:
    """On a terminal, ask before spending more than the threshold; never in a pipe or CI
    (where --max-cost is the guard)."""
    if args.yes or not sys.stdin.isatty():
        return None
    threshold = args.confirm_over
    if threshold is None:
        threshold = float(os.environ.get("FACEBUILD_CONFIRM_OVER", DEFAULT_CONFIRM_OVER))

    def ask(renders: int, cost: float) -> bool:
        if cost <= threshold:
            return True
        answer = input(f"This build makes {renders} paid generations, estimated ${cost:.2f}. "
                       "Go ahead? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    return ask
