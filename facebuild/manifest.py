"""dist/manifest.json: the provenance of every file in dist, for people and tools."""

from __future__ import annotations

import json
from pathlib import Path

from facebuild.atomic import write_text_if_changed
from facebuild.lock import Lock


def write_manifest(dist: Path, lock: Lock) -> None:
    files = {}
    for name, entry in sorted(lock.entries.items()):
        render = entry.get("render", {})
        files[entry["file"]] = {
            "target": name,
            "sha256": entry["sha256"],
            "render_key": entry["render_key"],
            "output_key": entry["output_key"],
            "seed": render.get("seed"),
            "backend": render.get("backend"),
            "model": render.get("model"),
            "prompt": render.get("prompt"),
            "negative": render.get("negative"),
            "template": entry.get("template"),
            "price": entry.get("price", 0.0),
        }
        if "source" in entry:
            files[entry["file"]]["source"] = entry["source"]
    text = json.dumps({"version": 1, "files": files}, indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"
    write_text_if_changed(dist / "manifest.json", text, durable=True)
