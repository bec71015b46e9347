"""sha256 of the files in dist, cached by (size, mtime) in .facebuild/dist-state.json.

Only the standard library and the atomic writer: the no-op fast path reads it too."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from facebuild.atomic import write_text_atomic


class DistState:
    """sha256 of dist files, cached by (size, mtime) like git's index, so that a no-op
    diff of thousands of targets reads no image."""

    def __init__(self, path: Path, dist: Path, cache: dict[str, list[Any]]) -> None:
        self.path = path
        self.dist = dist
        self._prefix = str(dist) + os.sep  # plain strings: pathlib is slow for 10,000 files
        self.cache = cache
        self.dirty = False

    @classmethod
    def load(cls, state_dir: Path, dist: Path) -> DistState:
        path = state_dir / "dist-state.json"
        try:
            cache = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cache = {}
        return cls(path, dist, cache if isinstance(cache, dict) else {})

    def sha256(self, relative: str) -> str | None:
        """The file's sha256, or None when it does not exist."""
        file = self._prefix + relative
        try:
            stat = os.stat(file)
        except FileNotFoundError:
            return None
        cached = self.cache.get(relative)
        if cached and cached[0] == stat.st_size and cached[1] == stat.st_mtime_ns:
            return str(cached[2])
        with open(file, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        self.record(relative, stat.st_size, stat.st_mtime_ns, digest)
        return digest

    def record(self, relative: str, size: int, mtime_ns: int, digest: str) -> None:
        self.cache[relative] = [size, mtime_ns, digest]
        self.dirty = True

    def record_file(self, relative: str, digest: str) -> None:
        stat = os.stat(self._prefix + relative)
        self.record(relative, stat.st_size, stat.st_mtime_ns, digest)

    def forget(self, relative: str) -> None:
        if self.cache.pop(relative, None) is not None:
            self.dirty = True

    def edited(self, entry: dict[str, Any]) -> bool:
        """The file exists and is not the one facebuild wrote."""
        current = self.sha256(entry.get("file", ""))
        return current is not None and current != entry.get("sha256")

    def save(self) -> None:
        if self.dirty and self.path.parent.exists():
            write_text_atomic(self.path, json.dumps(self.cache, separators=(",", ":")))
            self.dirty = False
