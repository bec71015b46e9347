"""facebuild prompts: the rendered prompt and negative prompt of each target."""

from __future__ import annotations

import argparse

from facebuild.commands.common import load_plan


def run(args: argparse.Namespace) -> int:
    the_plan = load_plan(args)
    names = the_plan.select(args.targets) if args.targets else list(the_plan.targets)
    for index, name in enumerate(names):
        target = the_plan.targets[name]
        if index:
            print()
        source = f" (from {target.character}/{target.source})" if target.source else ""
        print(f"== {name}{source}  seed {target.seed}  {target.request.width}x"
              f"{target.request.height}  template {target.template}")
        print(f"prompt:   {target.prompt}")
        print(f"negative: {target.request.negative}")
    return 0
