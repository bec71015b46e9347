"""facebuild validate: load, render every prompt and check the model's limits."""

from __future__ import annotations

import argparse

from facebuild.commands.common import account_problems, load_plan
from facebuild.errors import LimitError


def run(args: argparse.Namespace) -> int:
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
    return 0
