"""facebuild prompts: the rendered prompt and negative prompt of each target.

``--json`` prints ``{"targets": [{"target", "prompt", "negative", "seed", "width",
"height", "template", "from"}]}``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from facebuild.commands.common import load_plan
from facebuild.commands.options import NO_OVERRIDES, Overrides


def prompts(cast: Path, targets: Sequence[str] = (), *, as_json: bool = False,
            overrides: Overrides = NO_OVERRIDES) -> int:
    """Print the prompt and negative prompt of ``targets`` (default: all)."""
    the_plan = load_plan(cast, overrides)
    names = the_plan.select(list(targets)) if targets else list(the_plan.targets)
    chosen = [the_plan.targets[name] for name in names]
    if as_json:
        print(json.dumps({"targets": [
            {"target": t.name, "prompt": t.prompt, "negative": t.request.negative,
             "seed": t.seed, "width": t.request.width, "height": t.request.height,
             "template": t.template, "from": t.derived_from} for t in chosen]},
            indent=2, ensure_ascii=False))
        return 0
    for index, target in enumerate(chosen):
        if index:
            print()
        source = f" (from {target.character}/{target.derived_from})" if target.derived_from else ""
        print(f"== {target.name}{source}  seed {target.seed}  {target.request.width}x"
              f"{target.request.height}  template {target.template}")
        print(f"prompt:   {target.prompt}")
        print(f"negative: {target.request.negative}")
    return 0
