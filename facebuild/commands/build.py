"""facebuild build: bring dist/ and cast.lock up to date."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from facebuild.commands import fastpath
from facebuild.commands.options import NO_OVERRIDES, Overrides
from facebuild.errors import UsageError
from facebuild.gcpause import paused_gc

if TYPE_CHECKING:
    from facebuild.builder import BuildReport, ConfirmCost
    from facebuild.report import Reporter

DEFAULT_CONFIRM_OVER = 1.00


def build(cast: Path, targets: Sequence[str] = (), *, force: bool = False, jobs: int | None = None,
          dry_run: bool = False, max_cost: float | None = None, confirm_over: float | None = None,
          yes: bool = False, store: str | None = None, output_format: str = "plain",
          quiet: bool = False, overrides: Overrides = NO_OVERRIDES) -> int:
    """``facebuild build``: 0 when every target is up to date, 1 when one failed or was
    skipped."""
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    whole = bool(targets) or force or dry_run or output_format == "json"
    found = None if whole else fastpath.verdict(cast, overrides)
    if fastpath.noop_build(found):
        return 0
    # the heavy modules, only when there is work to look at: hundreds of modules and classes
    # made, no garbage, over the heap of the check: the collector would walk it for nothing
    with paused_gc():
        from facebuild.builder import Builder
        from facebuild.commands.common import load_plan

        # only some characters changed since the last complete build: plan only theirs
        the_plan = load_plan(cast, overrides, found.edited if found is not None else None)
    fastpath.forget(cast)
    skipped = the_plan.cast.skipped
    # with a source missing, its outputs are not "removed from the cast": keep their files
    chosen = list(targets) or (list(the_plan.targets) if skipped else None)
    report = Builder(the_plan, make_reporter(output_format, quiet=quiet), store).run(
        chosen, force=force, jobs=jobs, dry_run=dry_run, max_cost=max_cost,
        confirm=_confirm(yes, confirm_over))
    if skipped:
        print(f"warning: {skipped} output(s) skipped: a source is missing (see the warnings "
              "above)", file=sys.stderr)
    elif _complete(report) and not (targets or dry_run):
        fastpath.record(the_plan, overrides, len(the_plan.targets) + report.untouched, found,
                        removed=report.removed_files)
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


def _confirm(yes: bool, threshold: float | None) -> ConfirmCost | None:
    """On a terminal, ask before spending more than the threshold; never in a pipe or CI
    (where --max-cost is the guard)."""
    if yes or not sys.stdin.isatty():
        return None
    if threshold is None:
        threshold = float(os.environ.get("FACEBUILD_CONFIRM_OVER", DEFAULT_CONFIRM_OVER))

    def ask(renders: int, cost: float) -> bool:
        if cost <= threshold:
            return True
        answer = input(f"This build makes {renders} paid generations, estimated ${cost:.2f}. "
                       "Go ahead? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    return ask
