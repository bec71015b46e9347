"""image_manifest.json: beside the avatars and backdrops, a map of each call id to its
backdrop and each ``{call_id}_{speaker}`` to its avatar, and the provenance of every file
(keyed by its path relative to the manifest, as ``facebuild explain`` reads it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from facebuild.atomic import write_text_if_changed
from facebuild.lock import Lock
from facebuild.manifest import provenance
from facebuild.personas.characters import AVATAR, BACKDROP

IMAGE_MANIFEST = "image_manifest.json"


def image_manifest(lock: Lock) -> dict[str, Any]:
    """The image manifest of every output in ``lock`` (outputs that failed or were blocked
    are not in the lock, so not here either)."""
    images: dict[str, dict[str, Any]] = {}
    files: dict[str, dict[str, Any]] = {}
    for name, entry in sorted(lock.entries.items()):
        source = entry.get("source") or {}
        path = str(entry["file"])
        files[path] = {
            **provenance(name, entry),
            "width": (entry.get("post") or {}).get("size", [None])[0],
            "height": (entry.get("post") or {}).get("size", [None, None])[1],
            "source": source,
        }
        kind = source.get("kind")
        if kind == AVATAR:
            key = f"{source.get('call_id')}_{source.get('speaker')}"
            images[key] = {"kind": AVATAR, "path": path, "call_id": source.get("call_id"),
                           "speaker": source.get("speaker")}
        elif kind == BACKDROP:
            images[str(source.get("call_id"))] = {"kind": BACKDROP, "path": path,
                                                  "call_id": source.get("call_id")}
    return {"version": 1, "images": dict(sorted(images.items())), "files": files}


def write_image_manifest(folder: Path, lock: Lock) -> Path:
    """Write ``folder/image_manifest.json`` (atomically, and only when it changed)."""
    path = folder / IMAGE_MANIFEST
    text = json.dumps(image_manifest(lock), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_text_if_changed(path, text, durable=True)
    return path
