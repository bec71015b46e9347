"""An ``inputs:`` mapping to suggest when a workflow's injection points cannot be found:
built from the node ids and input names of the user's own graph, never from an example."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from facebuild.backends.comfyui.workflow import Graph, Slot, is_link

KEYS = ("prompt", "negative", "seed", "width", "height", "output")
_TEXT_INPUTS = ("text", "value", "prompt", "string", "text_g")
_SEED_INPUTS = ("seed", "noise_seed")
OUTPUT_CLASSES = ("SaveImage",)


def output_nodes(graph: Graph) -> list[str]:
    """The ids of the graph's SaveImage nodes, in order."""
    return sorted((n for n, node in graph.items() if node.get("class_type") in OUTPUT_CLASSES), key=_order)


def _order(node_id: str) -> tuple[int, str]:
    return (int(node_id), "") if node_id.isdigit() else (1 << 62, node_id)


def _literals(graph: Graph, names: tuple[str, ...], kind: type) -> list[Slot]:
    slots: list[Slot] = []
    for node_id in sorted(graph, key=_order):
        inputs = graph[node_id].get("inputs", {})
        for name in names:
            value = inputs.get(name)
            literal = isinstance(value, kind) and not isinstance(value, bool)
            if name in inputs and not is_link(value) and literal:
                slots.append(Slot(node_id, name))
    return slots


def own_size(graph: Graph) -> tuple[int, int] | None:
    """The size a workflow renders at by itself: its one node with a literal width and
    height (an EmptyLatentImage, an EmptyImage), or None when it has none or several."""
    sized = _sized(graph)
    sizes = {(graph[s.node]["inputs"]["width"], graph[s.node]["inputs"]["height"]) for s in sized}
    return sizes.pop() if len(sizes) == 1 else None


def _sized(graph: Graph) -> list[Slot]:
    return [s for s in _literals(graph, ("width",), int)
            if isinstance(graph[s.node].get("inputs", {}).get("height"), int)]


def suggestion(graph: Graph, found: Mapping[str, Any]) -> str:
    """``{prompt: '6.text', negative: '7.text', seed: '3.seed', ..., output: '9'}`` with what
    was found kept, and the rest taken from inputs of this graph (``null`` where it has none)."""
    texts = _literals(graph, _TEXT_INPUTS, str)
    prompt = found.get("prompt") or (texts[0] if texts else None)
    negative = found.get("negative") or next((t for t in texts if t != prompt), None)
    seeds = _literals(graph, _SEED_INPUTS, int)
    sized = _sized(graph)
    width = found.get("width") or (sized[0] if sized else None)
    height = found.get("height") or (Slot(sized[0].node, "height") if sized else None)
    outputs = output_nodes(graph)
    shown = {
        "prompt": prompt or "<node id>.<input name>",
        "negative": negative,
        "seed": found.get("seed") or (seeds[0] if seeds else None),
        "width": width,
        "height": height,
        "output": found.get("output") or (outputs[0] if outputs else None),
    }
    return "{" + ", ".join(f"{key}: {_yaml(value)}" for key, value in shown.items()) + "}"


def _yaml(value: Any) -> str:
    return "null" if value is None else f"'{value}'"


