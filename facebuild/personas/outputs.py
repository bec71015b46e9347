"""image_manifest.json, beside the avatars and backdrops in the scanned folder.

Its two upstream keys are kept exactly as the upstream avatar step writes them, for the
steps that read them: ``backdrops`` maps each call id to the path of its backdrop and
``personas`` each ``<call_id>_<speaker>`` to the path of its avatar, plain strings (the
output root as given, joined with the file's place). Beside them facebuild's own: ``images``
(kind, path relative to the manifest, ids) and ``files`` (the provenance of every file,
keyed by its path relative to the manifest, as ``facebuild explain`` reads it). Ids appear
as the privacy guard lets them (opaque when it flags them)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from facebuild.atomic import write_text_if_changed
from facebuild.lock import LockEntry
from facebuild.manifest import provenance
from facebuild.personas.characters import AVATAR, BACKDROP

IMAGE_MANIFEST = "image_manifest.json"


def image_manifest(placed: Mapping[str, tuple[str, LockEntry]], prefix: str) -> dict[str, Any]:
    """The image manifest of the files ``placed`` (path relative to the manifest -> target
    name and lock entry); ``prefix`` is put before each path of the upstream keys."""
    backdrops: dict[str, str] = {}
    personas: dict[str, str] = {}
    images: dict[str, dict[str, Any]] = {}
    files: dict[str, dict[str, Any]] = {}
    for path, (name, entry) in sorted(placed.items()):
        source = entry.source or {}
        post = entry.post or {}
        size = post.get("size")
        width, height = size if isinstance(size, list) and len(size) == 2 else (None, None)
        files[path] = {**provenance(name, entry), "file": path, "width": width,
                       "height": height, "source": source}
        call, speaker = str(source.get("call_id")), str(source.get("speaker"))
        upstream = f"{prefix}/{path}" if prefix else path
        if source.get("kind") == AVATAR:
            personas[f"{call}_{speaker}"] = upstream
            images[f"{call}_{speaker}"] = {"kind": AVATAR, "path": path, "call_id": call,
                                           "speaker": speaker}
        elif source.get("kind") == BACKDROP:
            backdrops[call] = upstream
            images[call] = {"kind": BACKDROP, "path": path, "call_id": call}
    return {"backdrops": backdrops, "personas": personas, "version": 2,
            "images": dict(sorted(images.items())), "files": files}


def write_image_manifest(folder: Path, placed: Mapping[str, tuple[str, LockEntry]],
                         prefix: str) -> Path:
    """Write ``folder/image_manifest.json`` (atomically, and only when it changed)."""
    path = folder / IMAGE_MANIFEST
    text = json.dumps(image_manifest(placed, prefix), indent=2, ensure_ascii=False) + "\n"
    write_text_if_changed(path, text, durable=True)
    return path
