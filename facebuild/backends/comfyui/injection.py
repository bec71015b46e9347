"""Find where a request goes in a workflow: from the graph itself, or from ``inputs:``.

By default the sampler (the node with linked ``positive`` and ``negative`` inputs and a
``seed`` or ``noise_seed``) leads to everything: the text encoders upstream of its
``positive`` and ``negative``, the latent node upstream of its ``latent_image``; the output
is the graph's one SaveImage. An explicit ``inputs:`` mapping replaces the detection whole:
what it leaves out is not injected.
"""

from __future__ import annotations

from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any

from facebuild.backends.comfyui.hints import output_nodes, suggestion
from facebuild.backends.comfyui.workflow import Graph, Injection, Slot, Workflow, is_link

INPUT_KEYS = ("prompt", "negative", "seed", "width", "height", "output", "image", "denoise")
OPTIONAL_KEYS = frozenset({"negative", "seed", "width", "height", "output", "image", "denoise"})
"""Keys that ``inputs:`` may leave out or set to null: not injected (``output``: the
graph's one SaveImage)."""


class InjectionError(Exception):
    """The request's values cannot be placed in a workflow; ``str()`` says how to fix it."""


def check_inputs_option(value: Any) -> str:
    """A problem with the shape of an ``inputs:`` mapping, or ``""``; no graph needed."""
    if not isinstance(value, Mapping):
        return "expected a mapping such as {prompt: '6.text', output: '9'}"
    for key, spec in value.items():
        if key not in INPUT_KEYS:
            near = get_close_matches(str(key), INPUT_KEYS, n=1)
            return f"unknown key {key!r}" + (f" (did you mean {near[0]!r}?)" if near else "")
        if spec is None and key in OPTIONAL_KEYS:
            continue
        if key == "output" and isinstance(spec, str | int) and not isinstance(spec, bool):
            continue
        if key != "output" and isinstance(spec, str) and "." in spec:
            continue
        want = "a node id such as '9'" if key == "output" else "'<node id>.<input name>'"
        return f"{key}: expected {want}, got {spec!r}"
    return ""


def find_injection(workflow: Workflow, explicit: Mapping[str, Any] | None = None) -> Injection:
    """Where prompt, negative, seed, size and output prefix go; raises ``InjectionError``.

    Without ``explicit`` every point is detected from the graph. With an explicit
    ``inputs:`` mapping nothing is guessed: a key left out (or null) is not injected; only
    ``prompt`` must be named, and ``output`` may be left out when the graph has one SaveImage.
    """
    if explicit is None:
        return _detected(workflow)
    graph = workflow.graph
    problem = check_inputs_option(explicit)
    if problem:
        raise InjectionError(f"inputs: {problem}")
    found: dict[str, Any] = {}
    missing: list[str] = []
    for key in INPUT_KEYS:
        spec = explicit.get(key)
        if key == "output":
            found[key] = _explicit_output(graph, spec, missing)
        elif spec is None:
            found[key] = None
            if key == "prompt":
                missing.append("prompt is not named (the one key inputs must have)")
        else:
            node, _, name = str(spec).partition(".")
            if node not in graph:
                missing.append(f"{key} {spec!r} names no node {node!r}")
            elif name not in graph[node].get("inputs", {}):
                have = ", ".join(graph[node].get("inputs", {})) or "none"
                missing.append(f"{key} {spec!r}: node {node} has inputs: {have}")
            found[key] = Slot(node, name)
    if (found["width"] is None) != (found["height"] is None):
        missing.append("width and height go together: name both or neither")
    if missing:
        raise InjectionError(
            f"workflow {workflow.name}: inputs: " + "; ".join(missing)
            + ". For this workflow, e.g. inputs: " + suggestion(graph, found)
            + " (a key left out or null is not injected)"
        )
    return _injection(graph, found)


def _explicit_output(graph: Graph, spec: Any, missing: list[str]) -> str | None:
    if spec is not None:
        node = str(spec)
        if node not in graph:
            missing.append(f"output {node!r} names no node (SaveImage nodes: "
                           f"{', '.join(output_nodes(graph)) or 'none'})")
        return node
    outputs = output_nodes(graph)
    if len(outputs) == 1:
        return outputs[0]
    missing.append(f"output is not named and the workflow has {len(outputs)} SaveImage nodes"
                   + (f" ({', '.join(outputs)}): name one" if outputs else ""))
    return None


def _detected(workflow: Workflow) -> Injection:
    found: dict[str, Any] = {}
    missing: list[str] = []
    for key, (value, reason) in _detect(workflow.graph).items():
        if value is None:
            missing.append(f"the {_LABELS[key]} ({reason})")
        found[key] = value
    image, denoise = _reference_slots(workflow.graph)
    found["image"], found["denoise"] = image, denoise
    if missing:
        raise InjectionError(
            f"workflow {workflow.name}: could not find "
            + "; ".join(missing)
            + ". Name them in the cast's backend options, e.g. inputs: "
            + suggestion(workflow.graph, found)
            + " (a key left out or null is not injected)"
        )
    return _injection(workflow.graph, found)


def _injection(graph: Graph, found: Mapping[str, Any]) -> Injection:
    output: str = found["output"]
    inputs = graph[output].get("inputs", {})
    prefix = Slot(output, "filename_prefix") if "filename_prefix" in inputs else None
    return Injection(
        prompt=found["prompt"],
        negative=found["negative"],
        seed=found["seed"],
        width=found["width"],
        height=found["height"],
        output=output,
        prefix=prefix,
        image=found.get("image"),
        denoise=found.get("denoise"),
    )


def _reference_slots(graph: Graph) -> tuple[Slot | None, Slot | None]:
    """The graph's one ``LoadImage`` (where an uploaded reference goes) and, with it, its
    one sampler's literal ``denoise`` (set from the strength). None where there is none."""
    loads = sorted(n for n, node in graph.items() if node.get("class_type") == "LoadImage")
    if len(loads) != 1:
        return None, None
    samplers = [n for n, node in graph.items()
                if _is_sampler(node) and not is_link(node.get("inputs", {}).get("denoise", []))
                and "denoise" in node.get("inputs", {})]
    return Slot(loads[0], "image"), Slot(samplers[0], "denoise") if len(samplers) == 1 else None


_LABELS = {
    "prompt": "prompt text",
    "negative": "negative prompt text",
    "seed": "seed",
    "width": "width",
    "height": "height",
    "output": "output node",
}


Found = tuple[Any, str]


def _detect(graph: Graph) -> dict[str, Found]:
    """Auto-detected injection points, each with the reason when it was not found."""
    outputs = output_nodes(graph)
    saves = f"found {len(outputs)} SaveImage nodes" + (f": {', '.join(outputs)}" if outputs else "")
    result: dict[str, Found] = {"output": (outputs[0] if len(outputs) == 1 else None, saves)}
    samplers = sorted(n for n, node in graph.items() if _is_sampler(node))
    if len(samplers) != 1:
        why = f"found {len(samplers)} samplers" + (f": {', '.join(samplers)}" if samplers else "")
        for key in ("prompt", "negative", "seed", "width", "height"):
            result[key] = (None, why)
        return result
    sampler = graph[samplers[0]]["inputs"]
    prompt = _upstream(graph, sampler["positive"], ("text",))
    negative = _upstream(graph, sampler["negative"], ("text",))
    if negative is not None and negative == prompt:
        negative = None
    result["prompt"] = (prompt, "no CLIPTextEncode upstream of the sampler's 'positive'")
    result["negative"] = (negative, "no CLIPTextEncode of its own upstream of 'negative'")
    seed_name = "seed" if "seed" in sampler else "noise_seed"
    seed: Slot | None = Slot(samplers[0], seed_name)
    if is_link(sampler[seed_name]):
        seed = _upstream(graph, sampler[seed_name], ("seed", "noise_seed", "value"))
    result["seed"] = (seed, "the sampler's seed comes from a node without a literal seed")
    latent = _upstream(graph, sampler.get("latent_image"), ("width",))
    has_height = latent is not None and "height" in graph[latent.node]["inputs"]
    for key in ("width", "height"):
        slot = Slot(latent.node, key) if latent is not None and has_height else None
        result[key] = (slot, "no node with width and height upstream of the sampler")
    return result


def _is_sampler(node: Mapping[str, Any]) -> bool:
    inputs = node.get("inputs", {})
    return (
        is_link(inputs.get("positive"))
        and is_link(inputs.get("negative"))
        and ("seed" in inputs or "noise_seed" in inputs)
    )


def _upstream(graph: Graph, link: Any, names: tuple[str, ...]) -> Slot | None:
    """The nearest node upstream of ``link`` with a literal input of one of ``names``."""
    queue = [link]
    seen: set[str] = set()
    while queue:
        current = queue.pop(0)
        if not is_link(current) or current[0] in seen or current[0] not in graph:
            continue
        node_id = current[0]
        seen.add(node_id)
        inputs = graph[node_id].get("inputs", {})
        for name in names:
            if name in inputs and not is_link(inputs[name]):
                return Slot(node_id, name)
        queue.extend(value for value in inputs.values() if is_link(value))
    return None
