"""Placing the avatars and backdrops where the downstream steps look for them.

``facebuild avatars`` builds into a folder of its own under ``<output-root>/.facebuild/``
(the store, the lock, the gallery and the contact sheet stay there), then copies each
avatar to ``comfyui_images/avatar/<call_id>/<speaker>/avatar.png`` and each backdrop to
``comfyui_images/avatar/backdrops/<call_id>.png``, with raw ids as folder names when they
are safe (see ``ids``). The downstream steps take every image in that folder for an
avatar, so nothing else of facebuild's goes there but ``image_manifest.json``.

A record of what was placed (path -> sha256) lets facebuild replace or remove only the
files it placed itself: a file changed since, or one it did not make, is kept unless
``force``. Every path from the lock or the record is checked before it is used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from facebuild.atomic import write_atomic, write_text_if_changed
from facebuild.distpaths import remove_empty_parents
from facebuild.lock import Lock, LockEntry
from facebuild.personas.characters import AVATAR, BACKDROP
from facebuild.personas.ids import safe_component

OUTPUT = Path("comfyui_images") / "avatar"
RECORD = "placed.json"
FORMATS = (".png", ".webp")
OLD_FILES = ("cast.lock", ".facebuild", "manifest.json", "index.html", "contact-sheet.png")
"""What earlier versions kept in the output folder itself: never removed, only reported."""


@dataclass
class Placed:
    """What ``place`` did: every file now in place (path relative to the output folder ->
    target name and lock entry), and what it kept or removed."""

    files: dict[str, tuple[str, LockEntry]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def destination(source: Any, suffix: str) -> str | None:
    """Where the output of a persona character goes, relative to the output folder; None
    when its source does not name a safe place."""
    if not isinstance(source, dict) or suffix not in FORMATS:
        return None
    call = source.get("call_folder")
    if not isinstance(call, str) or not safe_component(call):
        return None
    if source.get("kind") == BACKDROP:
        return f"backdrops/{call}{suffix}"
    speaker = source.get("speaker_folder")
    if source.get("kind") == AVATAR and isinstance(speaker, str) and safe_component(speaker):
        return f"{call}/{speaker}/avatar{suffix}"
    return None


def _valid_place(text: str) -> bool:
    parts = PurePosixPath(text).parts
    return (len(parts) in (2, 3) and all(safe_component(p) or p == "backdrops" for p in parts)
            and PurePosixPath(text).suffix in FORMATS)


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    except OSError:
        return None


def read_record(path: Path) -> dict[str, str]:
    """The record of placed files; anything in it that is not a valid place is ignored."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)
            and _valid_place(k)}


def place(lock: Lock, dist: Path, out: Path, state: Path, *, force: bool) -> Placed:
    """Copy the outputs of ``lock`` (files in ``dist``) to their places in ``out``, and
    remove the files placed before that are no longer built."""
    record_path = state / RECORD
    before = read_record(record_path)
    after: dict[str, str] = {}
    done = Placed()
    for name, entry in sorted(lock.entries.items()):
        file = entry.file
        if ".." in PurePosixPath(file).parts or file.startswith("/"):
            continue
        built = dist / file
        where = destination(entry.source, PurePosixPath(file).suffix)
        if where is None or where in done.files or not _inside(built, dist) or not built.is_file():
            continue
        target = out / where
        if not _inside(target.parent, out):
            continue  # a symlinked folder would lead out of the output folder
        data = built.read_bytes()
        new = hashlib.sha256(data).hexdigest()
        current = _digest(target)
        done.files[where] = (name, entry)
        if current == new:
            after[where] = new
        elif current is None and not target.exists() or current == before.get(where) or force:
            write_atomic(target, data)
            after[where] = new
            done.written.append(where)
        else:
            done.kept.append(where)
            if where in before:
                after[where] = before[where]
    for where, digest in before.items():
        if where in done.files:
            continue
        target = out / where
        if _inside(target, out) and _digest(target) == digest:
            target.unlink()
            done.removed.append(where)
            remove_empty_parents(target.parent, out)
    write_text_if_changed(record_path, json.dumps(after, indent=2, sort_keys=True) + "\n")
    return done


def leftovers(out: Path) -> list[str]:
    """Files an older facebuild kept in the output folder, where downstream steps would
    take their images for avatars."""
    return [name for name in OLD_FILES if (out / name).exists()]
