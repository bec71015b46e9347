"""dist/manifest.json: the provenance of every file in dist, for people and tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from facebuild.atomic import holds, write_atomic
from facebuild.lock import Lock, LockEntry

_NOTHING: dict[str, Any] = {}


def provenance(name: str, entry: LockEntry) -> dict[str, Any]:
    """What a manifest says about one file, from its lock entry."""
    render = entry.render or _NOTHING
    get = render.get
    found = {
        "target": name,
        "sha256": entry.sha256,
        "render_key": entry.render_key,
        "output_key": entry.output_key,
        "seed": get("seed"),
        "backend": get("backend"),
        "model": get("model"),
        "prompt": get("prompt"),
        "negative": get("negative"),
        "template": entry.template,
        "price": entry.price if entry.price is not None else 0.0,
    }
    if entry.source is not None:
        found["source"] = entry.source
    if "reference" in render or "identity" in render:  # not for most renders: 21 -> 17 ms at 10,000
        reference = get("reference")
        if isinstance(reference, dict):  # rendered from another render or a file
            found["reference"] = reference
            found["depends_on"] = entry.depends_on
        identity = get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("inputs"), dict):
            found["inputs"] = identity["inputs"]  # ComfyUI: which workflow input got which value
    return found


def manifest_bytes(lock: Lock) -> bytes:
    """The manifest: the bytes of ``json.dumps({"files": ..., "version": 1}, indent=2,
    sort_keys=True, ensure_ascii=False)`` and a newline, encoded by orjson (7 ms instead
    of 110 ms for 10,000 files, so nothing is kept from one build to the next and nothing
    in dist is read back). A value orjson refuses (an integer past 64 bits, a lone
    surrogate, from a hand-made lock) is encoded by the standard library, escaped to ASCII."""
    files = {entry.file: provenance(name, entry) for name, entry in lock.entries.items()}
    document = {"files": files, "version": 1}
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    except orjson.JSONEncodeError:
        return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def write_manifest(dist: Path, lock: Lock) -> bool:
    """Write the manifest if its bytes changed; True if written."""
    path = dist / "manifest.json"
    data = manifest_bytes(lock)
    if holds(path, data):
        return False
    write_atomic(path, data, durable=True)
    return True
