"""The build graph of a plan, as data and as text, Graphviz DOT or Mermaid.

Pure: ``build_graph(plan)`` reads the plan and nothing else. Nodes are renders (one per
render key) and targets (one per output file); edges have a kind: ``render`` (a target is
its render, scaled), ``from`` (a target derived from another variant's render),
``candidate`` (an extra try of a target) and ``reference`` (a render generated from another
render: image-to-image, image variation, a LoadImage node). A reference file is noted on the
render it is for.

Names, paths and labels come from the cast, which is untrusted: node ids are made here
(``r1``, ``t1``), and every label is escaped for the format it is written in, so no text of
the cast can end a string, a statement or a graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from facebuild.planner import Plan

KEY_CHARS = 12
"""How much of a render key the graph shows: enough to tell renders apart, and to find
one in the store (``<key[:2]>/<key>.png``)."""

FORMATS = ("text", "dot", "mermaid")


@dataclass(frozen=True)
class Node:
    id: str
    """Made by facebuild (``r1``, ``t1``): safe in every format."""
    kind: str
    """``render`` or ``target``."""
    name: str
    detail: str
    group: str
    """The character it belongs to."""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str
    label: str = ""


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def groups(self) -> list[str]:
        return list(dict.fromkeys(n.group for n in self.nodes))


def build_graph(plan: Plan, names: Iterable[str] | None = None) -> Graph:
    """The graph of the given targets (default: all), in cast order."""
    chosen = list(plan.targets) if names is None else list(names)
    renders: dict[str, str] = {}
    targets: dict[str, str] = {}
    nodes: list[Node] = []
    edges: list[Edge] = []
    for name in chosen:
        target = plan.targets[name]
        render_id = renders.get(target.render_key)
        if render_id is None:
            render_id = renders[target.render_key] = f"r{len(renders) + 1}"
            request = target.request
            nodes.append(Node(render_id, "render", f"render {target.render_key[:KEY_CHARS]}",
                              f"seed {request.seed}, {request.width}x{request.height}",
                              target.character))
            ref = request.reference
            if ref is not None and ref.path is None and ref.digest in renders:
                edges.append(Edge(renders[ref.digest], render_id, "reference",
                                  f"reference, strength {ref.strength:g}"))
            elif ref is not None:
                nodes[-1] = Node(render_id, "render", nodes[-1].name,
                                 f"{nodes[-1].detail}, from {target.reference} "
                                 f"(strength {ref.strength:g})", target.character)
        target_id = targets[name] = f"t{len(targets) + 1}"
        nodes.append(Node(target_id, "target", name, target.output, target.character))
        if target.derived_from is not None:
            edges.append(Edge(render_id, target_id, "from", f"from: {target.derived_from}"))
        else:
            edges.append(Edge(render_id, target_id, "render"))
        chosen_one = name.partition("~")[0]
        if target.candidate > 1 and chosen_one in targets:
            edges.append(Edge(targets[chosen_one], target_id, "candidate",
                              f"candidate {target.candidate}"))
    return Graph(tuple(nodes), tuple(edges))


def render_graph(graph: Graph, fmt: str) -> str:
    return {"text": to_text, "dot": to_dot, "mermaid": to_mermaid}[fmt](graph)


def to_text(graph: Graph) -> str:
    """Per character, each render and the targets made from it."""
    lines: list[str] = []
    width = max((len(_plain(n.name)) for n in graph.nodes if n.kind == "target"), default=0)
    for group in graph.groups():
        lines.append(_plain(group))
        for render in (n for n in graph.nodes if n.group == group and n.kind == "render"):
            refs = [f"  (from {graph.node(e.source).name}: {e.label})" for e in graph.edges
                    if e.target == render.id and e.kind == "reference"]
            lines.append(f"  {render.name}  {_plain(render.detail)}{''.join(refs)}")
            for edge in (e for e in graph.edges if e.source == render.id and e.kind != "reference"):
                target = graph.node(edge.target)
                notes = [edge.label] if edge.label else []
                notes += [f"{e.label} of {_plain(graph.node(e.source).name)}" for e in graph.edges
                          if e.target == target.id and e.source != render.id]
                note = f"  ({'; '.join(notes)})" if notes else ""
                lines.append(f"    {_plain(target.name):<{width}}  {_plain(target.detail)}{note}")
    renders = sum(1 for n in graph.nodes if n.kind == "render")
    lines.append(f"{len(graph.nodes) - renders} targets, {renders} renders")
    return "\n".join(lines) + "\n"


_DOT_NODE = {"render": 'shape=box, style=rounded', "target": 'shape=note'}
_DOT_EDGE = {"render": "", "from": "style=dashed", "candidate": "style=dotted", "reference": "style=bold"}


def to_dot(graph: Graph) -> str:
    """Graphviz DOT: ``dot -Tsvg``. One cluster a character."""
    lines = ["digraph facebuild {", "  rankdir=LR;", "  node [fontname=Helvetica];"]
    for index, group in enumerate(graph.groups(), 1):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f"    label={_dot_string(group)};")
        for node in (n for n in graph.nodes if n.group == group):
            label = _dot_string(node.name, node.detail)
            lines.append(f"    {node.id} [{_DOT_NODE[node.kind]}, label={label}];")
        lines.append("  }")
    for edge in graph.edges:
        attributes = [a for a in (_DOT_EDGE.get(edge.kind, ""),
                                  f"label={_dot_string(edge.label)}" if edge.label else "") if a]
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {edge.source} -> {edge.target}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_ARROW = {"render": "-->", "from": "-->", "candidate": "-.->", "reference": "==>"}


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart, for Markdown in pull requests and docs."""
    lines = ["flowchart LR"]
    for index, group in enumerate(graph.groups(), 1):
        lines.append(f'  subgraph c{index}["{_mermaid_text(group)}"]')
        for node in (n for n in graph.nodes if n.group == group):
            text = f"{_mermaid_text(node.name)}<br/>{_mermaid_text(node.detail)}"
            shape = f'("{text}")' if node.kind == "render" else f'["{text}"]'
            lines.append(f"    {node.id}{shape}")
        lines.append("  end")
    for edge in graph.edges:
        arrow = _MERMAID_ARROW.get(edge.kind, "-->")
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
    return "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    """Text for a terminal: no control characters (a path from a cast could hold any)."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _dot_string(*parts: str) -> str:
    """A DOT quoted string, lines joined with DOT's own ``\\n``: a backslash or a quote of
    the text is escaped, so it cannot end the string or start one of DOT's escapes."""
    escaped = [_plain(p).replace("\\", "\\\\").replace('"', '\\"') for p in parts]
    return '"' + "\\n".join(escaped) + '"'


_MERMAID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_./:,~+=")


def _mermaid_text(text: str) -> str:
    """Text for inside a quoted Mermaid label: every other character as an entity code
    (``#35;``), which Mermaid decodes for display only."""
    return "".join(c if c in _MERMAID_SAFE else f"#{ord(c)};" for c in text)
