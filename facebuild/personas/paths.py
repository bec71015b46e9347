"""Where persona and transcript files may come from, and how a ``persona_path`` is found.

Persona and transcript files are read only inside the allowed roots: the run folder, and
folders the user names explicitly (``--allow-root DIR``, ``persona_roots:`` in a cast).
Symlinks are resolved first, so a link to ``~/.aws/credentials`` is outside. Files are
read up to a size limit, so a huge file costs no more memory than a large persona.

A relative ``persona_path`` is tried against, in order: the run folder, the manifest's
folder, their parents up to the run folder's parent, the current folder, and last the
part of the path after the run folder's own name (the persona builder writes paths
relative to the folder it ran from: ``outputs/run-…/characters/…``). The first that
exists inside an allowed root wins.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 1 << 20
"""At most this much of one persona or transcript file is read (1 MiB)."""


def absolute(path: Path) -> Path:
    return Path(os.path.abspath(path.expanduser()))


@dataclass(frozen=True)
class Roots:
    """The folders persona and transcript files may lie in (resolved), and what a user
    writes to allow another one."""

    folders: tuple[Path, ...]
    hint: str = "--allow-root DIR"

    @classmethod
    def of(cls, run: Path, extra: tuple[Path, ...] = (), hint: str = "--allow-root DIR") -> Roots:
        return cls(tuple(dict.fromkeys(p.resolve() for p in (run, *extra))), hint)

    def allows(self, path: Path) -> bool:
        """``path`` exists and, symlinks resolved, lies inside an allowed root."""
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        return any(real == root or real.is_relative_to(root) for root in self.folders)


@dataclass(frozen=True)
class Found:
    """The result of looking for a ``persona_path``."""

    path: Path | None
    rule: str | None = None
    others: tuple[str, ...] = ()
    """Other rules that found a different file (then the message says which rule won)."""
    outside: bool = False
    """A file exists, but only outside the allowed roots."""


def candidates(ref: str, run: Path, manifest_dir: Path) -> list[tuple[str, Path]]:
    """(rule, path) for each place ``ref`` may name, in the order they are tried."""
    path = Path(ref).expanduser()
    if path.is_absolute():
        return [("the absolute path", path)]
    run, manifest_dir = absolute(run), absolute(manifest_dir)
    bases = [("the run folder", run), ("the manifest's folder", manifest_dir)]
    top = run.parent
    for base in (run, manifest_dir):
        for parent in base.parents:
            if not parent.is_relative_to(top):
                break
            bases.append((f"the parent folder {parent.name or parent}", parent))
    bases.append(("the current folder", absolute(Path.cwd())))
    found = [(rule, base / path) for rule, base in bases]
    parts = path.parts
    if run.name in parts[:-1]:
        tail = parts[len(parts) - parts[::-1].index(run.name):]
        found.append(("the run folder, named in the path", run.joinpath(*tail)))
    return found


def find_persona(ref: str, run: Path, manifest_dir: Path, roots: Roots) -> Found:
    """The file ``ref`` names: the first candidate that exists inside the roots."""
    chosen: tuple[str, Path, Path] | None = None
    others: list[str] = []
    outside = False
    seen: set[Path] = set()
    for rule, path in candidates(ref, run, manifest_dir):
        if not path.is_file():
            continue
        real = path.resolve()
        if not roots.allows(path):
            outside = True
            continue
        if chosen is None:
            chosen = (rule, path, real)
        elif real != chosen[2] and real not in seen:
            others.append(rule)
        seen.add(real)
    if chosen is None:
        return Found(None, outside=outside)
    return Found(chosen[1], chosen[0], tuple(others))


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The first ``limit`` bytes of ``path`` (never more in memory)."""
    with path.open("rb") as handle:
        return handle.read(limit)
