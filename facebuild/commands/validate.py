"""facebuild validate: load, render every prompt and check the model's limits."""

from __future__ import annotations

import argparse
import sys

from facebuild.commands.common import account_problems, load_plan
from facebuild.errors import FacebuildError, LimitError


def run(args: argparse.Namespace) -> int:
    """Each cast in turn (a pre-commit hook passes every changed cast file); with several,
    every one is checked and each mistake is printed, then exit 2 if any had one."""
    casts = args.casts or [None]
    failed = 0
    for cast in casts:
        args.cast = cast
        try:
            validate(args)
        except FacebuildError as exc:
            if len(casts) == 1:
                raise
            failed += 1
            for line in str(exc).splitlines():
                print(f"error: {line}", file=sys.stderr)
    return 2 if failed else 0


def validate(args: argparse.Namespace) -> None:
    the_plan = load_plan(args)
    problems = the_plan.check()
    problems += [f"{t.name}: {t.blocked}" for t in the_plan.targets.values() if t.blocked]
    problems += account_problems(the_plan)
    if problems:
        raise LimitError(f"{len(problems)} problem(s) with the limits of "
                         f"{the_plan.capabilities.model} or the privacy guard:\n"
                         + "\n".join(problems))
    cast = the_plan.cast
    caps = the_plan.capabilities
    print(f"{cast.path}: ok — {len(cast.spec.characters)} characters, "
          f"{len(cast.spec.variants)} variants, {len(the_plan.targets)} targets, "
          f"{len(the_plan.renders())} renders on {caps.backend} ({caps.model})")
    if caps.lifecycle != "active":
        print(f"warning: {caps.model} is {caps.lifecycle}: the service may refuse every call")
