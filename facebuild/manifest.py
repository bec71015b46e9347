"""dist/manifest.json: the provenance of every file in dist, for people and tools."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from facebuild.atomic import write_text_if_changed
from facebuild.lock import Lock, LockEntry
from facebuild.locktext import document_text, entry_text, parsed_blocks


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
    """Write the manifest if its text changed. The text is that of ``json.dumps(indent=2,
    sort_keys=True)`` of the whole; a file's block in the manifest already there is reused
    when it says the same (see ``facebuild.locktext``): a build that changed one target of
    10,000 encoded all of them again (300 ms)."""
    path = dist / "manifest.json"
    files = {entry.file: (name, entry) for name, entry in lock.entries.items()}
    current = _current(path, len(files))
    known = {file: (fields, block) for file, fields, block in parsed_blocks(current, "files")}
    blocks: list[str] = []
    for file in sorted(files):
        name, entry = files[file]
        found = provenance(name, entry)
        old = known.get(file) if lock.as_read.get(name) is entry else None  # see Lock.as_read
        blocks.append(old[1] if old is not None and old[0] == found else entry_text(file, found))
    write_text_if_changed(path, document_text("files", blocks), durable=True)


def _current(path: Path, files: int) -> bytes:
    """The manifest now in dist, if it is a regular file of a size this lock could have made
    (dist is the user's: never follow a link there, nor read a huge file); else nothing."""
    try:
        status = path.lstat()
        if not stat.S_ISREG(status.st_mode) or status.st_size > _MAX_BLOCK * (files + 1):
            return b""
        return path.read_bytes()
    except OSError:  # missing, or not readable: every block is encoded
        return b""


_MAX_BLOCK = 64 * 1024
"""Bytes per file a manifest may have for its blocks to be reused (one is about 1.5 KB)."""
