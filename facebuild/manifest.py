"""dist/manifest.json: the provenance of every file in dist, for people and tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from facebuild.atomic import write_text_if_changed
from facebuild.lock import Lock, LockEntry


def provenance(name: str, entry: LockEntry) -> dict[str, Any]:
    """What a manifest says about one file, from its lock entry."""
    render = entry.render or {}
    found = {
        "target": name,
        "sha256": entry.sha256,
        "render_key": entry.render_key,
        "output_key": entry.output_key,
        "seed": render.get("seed"),
        "backend": render.get("backend"),
        "model": render.get("model"),
        "prompt": render.get("prompt"),
        "negative": render.get("negative"),
        "template": entry.template,
        "price": entry.price if entry.price is not None else 0.0,
    }
    if entry.source is not None:
        found["source"] = entry.source
    if isinstance(render.get("reference"), dict):  # rendered from another render or a file
        found["reference"] = render["reference"]
        found["depends_on"] = entry.depends_on
    identity = render.get("identity")
    if isinstance(identity, dict) and isinstance(identity.get("inputs"), dict):
        found["inputs"] = identity["inputs"]  # ComfyUI: which workflow input got which value
    return found


def write_manifest(dist: Path, lock: Lock) -> None:
    files = {entry.file: provenance(name, entry) for name, entry in sorted(lock.entries.items())}
    text = json.dumps({"version": 1, "files": files}, indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"
    write_text_if_changed(dist / "manifest.json", text, durable=True)
