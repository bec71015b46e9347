"""API-format workflow files: load them, put a render request into a copy, digest it.

A workflow is ComfyUI's "Save (API Format)" JSON: ``{node_id: {"class_type": ...,
"inputs": {name: literal | [source_node_id, output_index]}}}``. Where the prompt, seed,
size and output go is an ``Injection`` (see ``injection.py``).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from facebuild.errors import CastError

DEFAULT_WORKFLOW = "sdxl_portrait.json"
PLACEHOLDER_PREFIX = "facebuild/render"
"""The output prefix injected when computing a digest, so that the digest is stable."""

Graph = dict[str, Any]


@dataclass(frozen=True)
class Slot:
    """One input of one node: ``"6.text"`` is ``Slot("6", "text")``."""

    node: str
    input: str

    def __str__(self) -> str:
        return f"{self.node}.{self.input}"


@dataclass(frozen=True)
class Injection:
    """Where a request goes in a graph. ``None`` means "not injected"."""

    prompt: Slot
    negative: Slot | None
    seed: Slot | None
    width: Slot | None
    height: Slot | None
    output: str
    """The node whose images are the result (usually a SaveImage)."""
    prefix: Slot | None
    """The output node's ``filename_prefix``, varied per job so every job writes a new file."""
    image: Slot | None = None
    """A ``LoadImage`` node's ``image``: the uploaded reference of a render made from one."""
    denoise: Slot | None = None
    """The sampler's ``denoise``, set from the reference's strength."""

    def describe(self) -> dict[str, str | None]:
        """Where each value goes (``None``: not injected), for ``explain`` and the lock.
        ``image`` and ``denoise`` only appear for a workflow that takes a reference."""
        slots = (self.prompt, self.negative, self.seed, self.width, self.height)
        names = ("prompt", "negative", "seed", "width", "height")
        described = {name: str(slot) if slot is not None else None
                     for name, slot in zip(names, slots, strict=True)}
        extra = {name: str(slot) for name, slot in (("image", self.image), ("denoise", self.denoise))
                 if slot is not None}
        return {**described, "output": self.output, **extra}


@dataclass(frozen=True)
class Workflow:
    """A loaded API-format workflow; ``graph`` is never modified."""

    name: str
    path: Path
    graph: Graph

    def checkpoints(self) -> list[str]:
        """The checkpoint files the workflow loads, for messages and capabilities."""
        names = {
            str(node["inputs"]["ckpt_name"])
            for node in self.graph.values()
            if isinstance(node.get("inputs"), dict) and "ckpt_name" in node["inputs"]
        }
        return sorted(names)


def shipped_workflows() -> dict[str, Path]:
    """File name -> path of every workflow that ships with facebuild."""
    folder = resources.files("facebuild.workflows")
    return {
        entry.name: Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.endswith(".json") and entry.is_file()
    }


def resolve_workflow_path(ref: str, base_dir: Path, *, key: str) -> Path:
    """``ref`` relative to ``base_dir``, else the shipped workflow of that file name."""
    local = base_dir / ref
    if local.is_file():
        return local.resolve()
    shipped = shipped_workflows()
    if ref in shipped:
        return shipped[ref]
    raise CastError(
        f"workflow file {ref!r} not found in {base_dir} nor among the shipped workflows",
        key=key,
        hint="shipped: " + ", ".join(sorted(shipped)),
    )


def load_workflow(path: Path, *, key: str) -> Workflow:
    """Read and check an API-format workflow; a user mistake raises ``CastError``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CastError(f"cannot read workflow {path}: {exc.strerror}", key=key) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CastError(f"workflow {path} is not valid JSON: {exc}", key=key) from exc
    problem = _api_format_problem(data)
    if problem:
        raise CastError(
            f"workflow {path} is not in ComfyUI's API format: {problem}",
            key=key,
            hint="in ComfyUI enable the dev mode options and use 'Save (API Format)'",
        )
    return Workflow(name=path.name, path=path, graph=data)


def _api_format_problem(data: Any) -> str:
    if not isinstance(data, dict) or not data:
        return "expected a JSON object of nodes"
    if "nodes" in data and "links" in data:
        return "this is the UI format (it has 'nodes' and 'links')"
    for node_id, node in data.items():
        if not isinstance(node, dict) or not isinstance(node.get("class_type"), str):
            return f"node {node_id!r} has no class_type"
        if not isinstance(node.get("inputs", {}), dict):
            return f"node {node_id!r} has no inputs mapping"
    return ""


def is_link(value: Any) -> bool:
    """``["4", 1]`` is a link to output 1 of node 4; anything else is a literal."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
    )


def inject(
    graph: Mapping[str, Any],
    where: Injection,
    *,
    prompt: str,
    negative: str,
    seed: int,
    width: int,
    height: int,
    prefix: str,
    image: str | None = None,
    denoise: float | None = None,
) -> Graph:
    """A deep copy of ``graph`` with the request's values at the injection points. The
    workflow's own negative text (embeddings, say) is kept: alone when the request has no
    negative, else joined with it (``"<workflow's>, <request's>"``)."""
    out: Graph = copy.deepcopy(dict(graph))
    values: list[tuple[Slot | None, Any]] = [
        (where.prompt, prompt),
        (where.negative, join_negative(_literal_text(graph, where.negative), negative)),
        (where.seed, seed),
        (where.width, width),
        (where.height, height),
        (where.prefix, prefix),
        (where.image, image),
        (where.denoise, denoise),
    ]
    for slot, value in values:
        if slot is not None and value is not None:
            out[slot.node].setdefault("inputs", {})[slot.input] = value
    return out


def _literal_text(graph: Mapping[str, Any], slot: Slot | None) -> str:
    if slot is None:
        return ""
    value = graph.get(slot.node, {}).get("inputs", {}).get(slot.input)
    return value.strip() if isinstance(value, str) else ""


def join_negative(own: str, requested: str) -> str:
    """The workflow's own negative text and the cast's, without repeating either."""
    requested = requested.strip()
    if not own or own == requested:
        return requested
    if not requested:
        return own
    return f"{own.rstrip(', ')}, {requested}"


def digest(graph: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a graph."""
    text = json.dumps(graph, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
