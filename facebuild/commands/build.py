"""facebuild build: bring dist/ and cast.lock up to date."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from facebuild.commands import fastpath
from facebuild.errors import UsageError

if TYPE_CHECKING:
    from facebuild.builder import BuildReport, ConfirmCost
    from facebuild.report import Reporter

DEFAULT_CONFIRM_OVER = 1.00


def run(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    verdict = fastpath.build_verdict(args)
    if fastpath.noop_build(verdict):
        return 0
    # the heavy modules, only when there is work to look at
    from facebuild.builder import Builder
    from facebuild.commands.common import load_plan

    # only some characters changed since the last complete build: plan only theirs
    the_plan = load_plan(args, characters=verdict.edited if verdict is not None else None)
    fastpath.forget(args)
    skipped = the_plan.cast.skipped
    # with a source missing, its outputs are not "removed from the cast": keep their files
    targets = args.targets or (list(the_plan.targets) if skipped else None)
    report = Builder(the_plan, make_reporter(args.output_format, quiet=args.quiet), args.store).run(
        targets, force=args.force, jobs=args.jobs, dry_run=args.dry_run,
        max_cost=args.max_cost, confirm=_confirm(args))
    if skipped:
        print(f"warning: {skipped} output(s) skipped: a source is missing (see the warnings "
              "above)", file=sys.stderr)
    elif _complete(report) and not (args.targets or args.dry_run):
        fastpath.record(args, the_plan, len(the_plan.targets) + report.untouched, verdict)
    return 0 if report.ok and not skipped else 1


def _complete(report: BuildReport) -> bool:
    counts = report.counts()
    return counts["failed"] == 0 and counts["kept"] == 0


def make_reporter(choice: str, *, quiet: bool = False) -> Reporter:
    """--output-format: a progress bar on a terminal, plain lines in a pipe, or JSON;
    with -q only what went wrong, on standard error."""
    from facebuild.report import JsonReporter, PlainReporter, QuietReporter, RichReporter

    if choice == "json":
        return JsonReporter()
    if quiet:
        return QuietReporter()
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
