"""sha256 of the files in dist, cached by (size, mtime) in .facebuild/dist-state.json,
and whether a path really lies inside dist (no symbolic link out of it).

Only the standard library and light modules: the no-op fast path reads it too. orjson
reads and writes it (10,000 files: 11 -> 3 ms to read, 18 -> 3 ms to write, the same bytes)."""

from __future__ import annotations

import hashlib
import os
import stat as stat_mode
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from facebuild.atomic import write_atomic
from facebuild.distpaths import path_problem
from facebuild.safefiles import read_bounded

if TYPE_CHECKING:
    from facebuild.lock import LockEntry

FOREIGN = "not-a-file-facebuild-made"
"""What ``sha256`` says of a symbolic link, a folder or a path leading out of dist: never
equal to a recorded digest, so such a file counts as edited and is never read or removed."""


MAX_STATE_BYTES = 256 * 2**20
"""The largest record read (100,000 files take 12 MB)."""


class DistState:
    """sha256 of dist files, cached by (size, mtime) like git's index, so that a no-op
    diff of thousands of targets reads no image."""

    def __init__(self, path: Path, dist: Path, cache: dict[str, list[Any]]) -> None:
        self.path = path
        self.dist = dist
        self._prefix = str(dist) + os.sep  # plain strings: pathlib is slow for 10,000 files
        self.cache = cache
        self.dirty = False
        self._real: str | None = None
        self._folders: dict[str, bool] = {}

    @classmethod
    def load(cls, state_dir: Path, dist: Path) -> DistState:
        path = state_dir / "dist-state.json"
        data = read_bounded(path, MAX_STATE_BYTES)  # .facebuild is untrusted: no FIFO, no sparse gigabytes
        try:
            cache = orjson.loads(data) if data is not None else {}
        except (ValueError, RecursionError):  # any file at all: start afresh
            cache = {}
        return cls(path, dist, cache if isinstance(cache, dict) else {})

    def sha256(self, relative: str) -> str | None:
        """The file's sha256, None when it does not exist, ``FOREIGN`` when it is not a
        regular file inside dist."""
        file = self._prefix + relative
        try:
            stat = os.lstat(file)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return FOREIGN  # a file where a folder of the path should be
        if not stat_mode.S_ISREG(stat.st_mode):
            return FOREIGN
        cached = self.cache.get(relative)  # from a file in .facebuild: any shape at all
        if (type(cached) is list and len(cached) == 3 and cached[0] == stat.st_size
                and cached[1] == stat.st_mtime_ns and isinstance(cached[2], str)):
            return cached[2]  # nothing read: no folder check on the 10,000-target no-op path
        if not self.inside(relative):
            return FOREIGN
        with open(file, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        self.record(relative, stat.st_size, stat.st_mtime_ns, digest)
        return digest

    def inside(self, relative: str) -> bool:
        """Whether ``relative`` is a safe path whose folder lies inside dist once symbolic
        links are resolved. dist is resolved once; below it each folder costs one lstat, and
        only a link is resolved (a cast has about one folder per character)."""
        return path_problem(relative) is None and self._folder_inside(relative.rpartition("/")[0])

    def _folder_inside(self, folder: str) -> bool:
        if not folder:
            return True
        known = self._folders.get(folder)
        if known is None:
            known = (self._folder_inside(folder.rpartition("/")[0])
                     and self._not_a_link_out(self._prefix + folder))
            self._folders[folder] = known
        return known

    def _not_a_link_out(self, path: str) -> bool:
        try:
            if not stat_mode.S_ISLNK(os.lstat(path).st_mode):
                return True  # a real folder, a file (writing there fails) or nothing yet
        except OSError:
            return True
        if self._real is None:
            self._real = os.path.realpath(self.dist)
        real = os.path.realpath(path)
        return real == self._real or real.startswith(self._real.rstrip(os.sep) + os.sep)

    def record(self, relative: str, size: int, mtime_ns: int, digest: str) -> None:
        self.cache[relative] = [size, mtime_ns, digest]
        self.dirty = True

    def record_file(self, relative: str, digest: str) -> None:
        stat = os.stat(self._prefix + relative)
        self.record(relative, stat.st_size, stat.st_mtime_ns, digest)

    def forget(self, relative: str) -> None:
        if self.cache.pop(relative, None) is not None:
            self.dirty = True

    def edited(self, entry: LockEntry) -> bool:
        """The file of a lock entry exists and is not the one facebuild wrote."""
        current = self.sha256(entry.file)
        return current is not None and current != entry.sha256

    def save(self) -> None:
        if self.dirty and self.path.parent.exists():
            write_atomic(self.path, orjson.dumps(self.cache))
            self.dirty = False
