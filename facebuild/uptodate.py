"""The no-op fast path, the way make decides: by file stats alone.

After a build (or a diff) finds everything up to date, it records the size and mtime of
every input (the cast, its includes, templates, files named in options, facebuild's own
code) and every output, plus the lock. The next ``build`` or ``diff`` with the same
arguments first compares stats only; if nothing moved, it is done without parsing YAML,
rendering a prompt or importing an image library. Anything that moved takes the full path.

Only the standard library is imported here: this module runs before everything else.
"""

from __future__ import annotations

import glob
import json
import os
from pathlib import Path
from typing import Any

STAMP_VERSION = 1
_SUFFIXES = (".py", ".j2", ".json")


def stamp_path(base_dir: Path) -> Path:
    return base_dir / ".facebuild" / "uptodate.json"


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _package_files() -> list[str]:
    """facebuild's own code and shipped templates/workflows: a new version of either
    must not be mistaken for 'nothing changed'."""
    from importlib.util import find_spec

    roots: set[str] = set()
    for package in ("facebuild", "facebuild.templates", "facebuild.workflows"):
        spec = find_spec(package)
        roots.update(spec.submodule_search_locations or [] if spec else [])
    files: list[str] = []
    for root in sorted(roots):
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            files.extend(os.path.join(folder, n) for n in names if n.endswith(_SUFFIXES))
    return sorted(files)


def _globs(base_dir: Path, patterns: list[str]) -> list[str]:
    return [f for p in patterns for f in sorted(glob.glob(str(base_dir / p), recursive=True))]


def record(base_dir: Path, args_key: str, inputs: list[Path], include_patterns: list[str],
           lock_path: Path, outputs: list[str], summary: dict[str, Any]) -> None:
    """Write the stamp; called only when every target is up to date."""
    files = sorted({str(p) for p in inputs} | set(_package_files()))
    stamp = {
        "version": STAMP_VERSION,
        "args": args_key,
        "inputs": {f: _stat(f) for f in files},
        "includes": include_patterns,
        "included": _globs(base_dir, include_patterns),
        "lock": [str(lock_path), _stat(str(lock_path))],
        "outputs": {p: _stat(p) for p in outputs},
        "summary": summary,
    }
    path = stamp_path(base_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(stamp, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def forget(base_dir: Path) -> None:
    """Called before a build changes anything."""
    stamp_path(base_dir).unlink(missing_ok=True)


def check(base_dir: Path, args_key: str) -> dict[str, Any] | None:
    """The recorded summary if nothing moved since the stamp was written, else None."""
    try:
        stamp = json.loads(stamp_path(base_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stamp.get("version") != STAMP_VERSION or stamp.get("args") != args_key:
        return None
    lock_file, lock_stat = stamp["lock"]
    if _stat(lock_file) != lock_stat:
        return None
    inputs: dict[str, Any] = stamp["inputs"]
    if set(_package_files()) - set(inputs):
        return None  # a new file in facebuild itself
    if any(_stat(f) != st for f, st in inputs.items()):
        return None
    if _globs(base_dir, stamp["includes"]) != stamp["included"]:
        return None  # a file appeared or went away under an include glob
    if any(_stat(f) != st for f, st in stamp["outputs"].items()):
        return None
    summary: dict[str, Any] = stamp["summary"]
    return summary
