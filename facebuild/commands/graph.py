"""facebuild graph: the build graph (targets, renders, derived outputs, candidates) as
text, Graphviz DOT or Mermaid."""

from __future__ import annotations

import argparse

from facebuild.commands.common import load_plan
from facebuild.graph import build_graph, render_graph


def run(args: argparse.Namespace) -> int:
    the_plan = load_plan(args)
    names = the_plan.select(args.targets) if args.targets else None
    print(render_graph(build_graph(the_plan, names), args.format), end="")
    return 0
