"""facebuild prompts: the rendered prompt and negative prompt of each target.

``--json`` prints ``{"targets": [{"target", "prompt", "negative", "seed", "width",
"height", "template", "from"}]}``."""

from __future__ import annotations

import argparse
import json

from facebuild.commands.common import load_plan


def run(args: argparse.Namespace) -> int:
    the_plan = load_plan(args)
    names = the_plan.select(args.targets) if args.targets else list(the_plan.targets)
    targets = [the_plan.targets[name] for name in names]
    if args.json:
        print(json.dumps({"targets": [
            {"target": t.name, "prompt": t.prompt, "negative": t.request.negative,
             "seed": t.seed, "width": t.request.width, "height": t.request.height,
             "template": t.template, "from": t.derived_from} for t in targets]},
            indent=2, ensure_ascii=False))
        return 0
    for index, target in enumerate(targets):
        if index:
            print()
        source = f" (from {target.character}/{target.derived_from})" if target.derived_from else ""
        print(f"== {target.name}{source}  seed {target.seed}  {target.request.width}x"
              f"{target.request.height}  template {target.template}")
        print(f"prompt:   {target.prompt}")
        print(f"negative: {target.request.negative}")
    return 0
