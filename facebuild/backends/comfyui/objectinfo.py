"""Check a graph against a server's ``GET /object_info`` before queueing it.

An input spec is ``[TYPE]`` or ``[TYPE, {options}]``; a choice list is either
``[[...choices...], {...}]`` (old nodes) or ``["COMBO", {"options": [...]}]`` (v3 nodes); an
empty list of files means none is installed. Only what ComfyUI itself would reject is
reported, so that a graph the server accepts is never refused here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from facebuild.backends.comfyui.workflow import is_link

ObjectInfo = Mapping[str, Any]

_FILE_KINDS = {
    "ckpt_name": "checkpoint",
    "lora_name": "LoRA",
    "vae_name": "VAE",
    "control_net_name": "ControlNet",
    "unet_name": "diffusion model",
    "clip_name": "text encoder",
    "upscale_model": "upscale model",
}


def combo_choices(spec: Any) -> list[Any] | None:
    """The allowed values of a combo input spec, or ``None`` when it is not a combo."""
    if not isinstance(spec, list) or not spec:
        return None
    kind = spec[0]
    options = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
    if isinstance(kind, list):
        return kind
    if kind == "COMBO":
        if options.get("multiselect"):
            return None
        choices = options.get("options")
        return list(choices) if isinstance(choices, list) else None
    return None


def validate_graph(graph: Mapping[str, Any], info: ObjectInfo, server: str,
                   uploaded: frozenset[str] = frozenset()) -> list[str]:
    """Every problem ComfyUI at ``server`` would report for ``graph``, one line each.
    ``uploaded``: files uploaded since ``info`` was read, valid as a ``LoadImage`` image."""
    problems: list[str] = []
    for node_id, node in graph.items():
        class_type = node["class_type"]
        node_info = info.get(class_type)
        if not isinstance(node_info, dict):
            problems.append(
                f"node {node_id}: node type {class_type} does not exist on {server}"
                " (a custom node that is not installed?)"
            )
            continue
        where = f"node {node_id} ({class_type})"
        spec_groups = _mapping(node_info.get("input"))  # the server's answer: any shape
        required, optional = _mapping(spec_groups.get("required")), _mapping(spec_groups.get("optional"))
        inputs = node.get("inputs", {})
        for name in required:
            if name not in inputs:
                problems.append(f"{where}: required input {name!r} is missing")
        specs = {**optional, **required}
        for name, value in inputs.items():
            if name not in specs:
                continue
            if is_link(value):
                if value[0] not in graph:
                    problems.append(f"{where}: input {name!r} links to missing node {value[0]}")
                continue
            if class_type == "LoadImage" and name == "image" and value in uploaded:
                continue
            problem = _literal_problem(name, value, specs[name], server)
            if problem:
                problems.append(f"{where}: {problem}")
    return problems


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _literal_problem(name: str, value: Any, spec: Any, server: str) -> str:
    choices = combo_choices(spec)
    if choices is not None:
        if value in choices:
            return ""
        installed = ", ".join(str(c) for c in choices[:20]) or "none"
        if len(choices) > 20:
            installed += f", … ({len(choices)} in all)"
        kind = _FILE_KINDS.get(name)
        if kind:
            return f"{kind} {value} is not installed on {server}; installed: {installed}"
        return f"{name} {value!r} is not one of: {installed}"
    if not isinstance(spec, list) or not spec:
        return ""
    kind = spec[0]
    options = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
    if kind in ("INT", "FLOAT"):
        return _number_problem(name, value, kind, options)
    return ""


def _number_problem(name: str, value: Any, kind: str, options: Mapping[str, Any]) -> str:
    try:
        number = int(value) if kind == "INT" else float(value)
    except (TypeError, ValueError):
        return f"{name} {value!r} is not a{'n' if kind == 'INT' else ''} {kind}"
    low, high = options.get("min"), options.get("max")
    if isinstance(low, int | float) and number < low:
        return f"{name} {value} is smaller than the minimum {low}"
    if isinstance(high, int | float) and number > high:
        return f"{name} {value} is larger than the maximum {high}"
    return ""


def unreachable_message(server: str, exc: BaseException) -> str:
    """One line for a server that did not answer."""
    reason = type(exc).__name__
    text = str(exc)
    if "Connection refused" in text or "Errno 111" in text:
        reason = "connection refused"
    elif "timed out" in text.lower():
        reason = "timed out"
    return f"ComfyUI server {server} is unreachable ({reason}); is it running?"
