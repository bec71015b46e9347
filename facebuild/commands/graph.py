"""facebuild graph: the build graph (targets, renders, derived outputs, candidates) as
text, Graphviz DOT or Mermaid."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from facebuild.commands.common import load_plan
from facebuild.commands.options import NO_OVERRIDES, Overrides
from facebuild.graph import build_graph, render_graph


def graph(cast: Path, targets: Sequence[str] = (), *, notation: str = "text",
          overrides: Overrides = NO_OVERRIDES) -> int:
    """Print the build graph of ``targets`` (default: all) in ``notation``: text, dot or
    mermaid."""
    the_plan = load_plan(cast, overrides)
    names = the_plan.select(list(targets)) if targets else None
    print(render_graph(build_graph(the_plan, names), notation), end="")
    return 0
