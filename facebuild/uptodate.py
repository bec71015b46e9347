"""The no-op fast path, the way make decides: by file stats alone.

After a build (or a diff) finds everything up to date, it records the size, mtime and
sha256 of every input (the cast, its includes, templates, files named in options,
facebuild's own code) and every output, plus the lock. The next ``build`` or ``diff``
with the same arguments compares stats; for a file whose stat moved, its content (so a
``touch`` or a checkout of the same bytes stays a no-op); and for a cast document whose
bytes changed, what it says once parsed (so a new comment or layout stays a no-op too).
If nothing changed, it is done without validating, rendering a prompt or importing an
image library. Anything that changed takes the full path.

Only the standard library, orjson (the stamp of 100,000 outputs: 9x faster to write, 2x
to read, the same bytes) and ``facebuild.safefiles`` (which reads the stamp as it reads
every file in ``.facebuild/``) are imported here: this module runs before everything else.
"""

from __future__ import annotations

import glob
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from facebuild.safefiles import read_bounded

if TYPE_CHECKING:
    from facebuild.yamlfile import Meaning

STAMP_VERSION = 3
_SUFFIXES = (".py", ".j2", ".json")


def stamp_path(base_dir: Path) -> Path:
    return base_dir / ".facebuild" / "uptodate.json"


def file_stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _digest(path: str) -> str | None:
    """sha256 of a file's bytes, or of a folder's sorted listing."""
    try:
        if os.path.isdir(path):
            return hashlib.sha256("\n".join(sorted(os.listdir(path))).encode()).hexdigest()
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def fingerprint(path: str, *, digest: bool = True) -> list[Any] | None:
    """[size, mtime_ns, sha256]; None when the path does not exist. Without ``digest``
    (for facebuild's own large files in dist) only the stat is compared later."""
    stat = file_stat(path)
    return None if stat is None else [*stat, _digest(path) if digest else None]


def _same(path: str, recorded: list[Any] | None, refreshed: dict[str, list[Any]],
          edited: set[str] | None = None) -> bool:
    """Unchanged by stat, or (like git after a touch) by content; a file whose content is
    the same but whose stat moved goes into ``refreshed`` so the stamp can be renewed.
    A cast document that says the same in other words (a comment, a new layout, another
    order of characters) is unchanged too; given ``edited``, so is one where only some
    characters say something new: their ids go into ``edited``."""
    stat = file_stat(path)
    if stat is None or recorded is None:
        return stat is None and recorded is None
    if stat == recorded[:2]:
        return True
    if recorded[2] is None:
        return False
    content = _digest(path)
    if content != recorded[2]:
        meaning = _meaning(path) if len(recorded) > 3 else None
        if meaning is None:
            return False
        if meaning.digest != recorded[3]:
            changed = _edited_characters(recorded, meaning)
            if changed is None:
                return False
            if changed:
                if edited is None:
                    return False
                edited.update(changed)
                return True  # the stamp stays as it is: the build records a new one
        refreshed[path] = [*stat, content, *_meaning_fields(meaning)]
        return True
    refreshed[path] = [*stat, content, *recorded[3:]]
    return True


def _edited_characters(recorded: list[Any], meaning: Meaning) -> set[str] | None:
    """The ids of the characters whose meaning changed, when nothing else did: the same
    document around them and the same characters, perhaps in another order. None when
    anything else changed (a character added or removed, a world, a variant)."""
    if len(recorded) < 6 or meaning.context is None or meaning.context != recorded[4]:
        return None
    before = {c[0]: c[1] for c in recorded[5]}
    now = dict(meaning.characters)
    if len(before) != len(recorded[5]) or len(now) != len(meaning.characters) or now.keys() != before.keys():
        return None
    return {i for i, d in now.items() if before[i] != d}


def _meaning_fields(meaning: Meaning) -> list[Any]:
    return [meaning.digest, meaning.context, [list(c) for c in meaning.characters]]


def _meaning(path: str) -> Meaning | None:
    from facebuild.yamlfile import document_meaning  # PyYAML, only when a cast file changed

    return document_meaning(Path(path))


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
           lock_path: Path, outputs: dict[str, list[Any] | None], summary: dict[str, Any],
           meanings: dict[Path, Meaning] | None = None) -> None:
    """Write the stamp; called only when every target is up to date. ``outputs`` maps each
    output path to its fingerprint (known to the caller without reading the files);
    ``meanings`` gives what the cast's YAML documents say."""
    files = sorted({str(p) for p in inputs} | set(_package_files()))
    by_path = {str(p): meaning for p, meaning in (meanings or {}).items()}
    prints = {f: fingerprint(f) for f in files}
    for f, meaning in by_path.items():
        found = prints.get(f)
        if found is not None:
            prints[f] = [*found, *_meaning_fields(meaning)]
    stamp = {
        "version": STAMP_VERSION,
        "args": args_key,
        "inputs": prints,
        "includes": include_patterns,
        "included": _globs(base_dir, include_patterns),
        "lock": [str(lock_path), fingerprint(str(lock_path))],
        "summary": summary,
    }
    _write(base_dir, stamp, outputs)


def outputs_path(base_dir: Path) -> Path:
    """The outputs' fingerprints, apart from the stamp: at 100,000 targets they are most of
    its bytes, and a check that renews the stamp (a cast in a new order) leaves them as
    they are."""
    return base_dir / ".facebuild" / "uptodate-outputs.json"


def _write(base_dir: Path, stamp: dict[str, Any], outputs: dict[str, Any] | None = None) -> None:
    """Write the stamp, and with ``outputs`` first its outputs' file, both tagged with one
    new token: a stamp is only ever read with the outputs written beside it."""
    if outputs is not None:
        stamp["outputs"] = os.urandom(8).hex()
        _replace(outputs_path(base_dir), {"token": stamp["outputs"], "outputs": outputs})
    _replace(stamp_path(base_dir), stamp)


MAX_STAMP_BYTES = 256 * 2**20
"""The largest stamp file read (100,000 outputs take 12 MB): ``.facebuild/`` is untrusted."""


def _load(path: Path) -> Any:
    """A stamp file's data; ``ValueError`` for one that is not a regular file (a FIFO would
    block) or is larger than ``MAX_STAMP_BYTES``: the check then says nothing."""
    data = read_bounded(path, MAX_STAMP_BYTES)
    if data is None:
        raise ValueError(f"{path} is not a stamp facebuild wrote")
    return orjson.loads(data)


def _replace(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(data))
    os.replace(tmp, path)


def forget(base_dir: Path) -> None:
    """Called before a build changes anything."""
    stamp_path(base_dir).unlink(missing_ok=True)
    outputs_path(base_dir).unlink(missing_ok=True)


class Verdict(NamedTuple):
    """What the stamp says of the cast now: ``summary`` as recorded, and the characters
    whose meaning changed since (none: nothing to do). Everything else is as recorded:
    code, templates, the lock and every output."""

    summary: dict[str, Any]
    edited: frozenset[str] = frozenset()
    outputs: dict[str, Any] | None = None
    """Every output's recorded fingerprint, for the stamp the build writes next."""


def check(base_dir: Path, args_key: str) -> Verdict | None:
    """The verdict if nothing but characters changed since the stamp was written, else
    None. The stamp lives in ``.facebuild/``, untrusted: one of the wrong shape is None."""
    try:
        stamp = _load(stamp_path(base_dir))
        return _check(base_dir, args_key, stamp) if isinstance(stamp, dict) else None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def _check(base_dir: Path, args_key: str, stamp: dict[str, Any]) -> Verdict | None:
    if stamp.get("version") != STAMP_VERSION or stamp.get("args") != args_key:
        return None
    refreshed: dict[str, list[Any]] = {}
    lock_file, lock_print = stamp["lock"]
    if not _same(lock_file, lock_print, refreshed):
        return None
    inputs: dict[str, Any] = stamp["inputs"]
    if set(_package_files()) - set(inputs):
        return None  # a new file in facebuild itself
    edited: set[str] = set()
    if not all(_same(f, fp, refreshed, edited) for f, fp in inputs.items()):
        return None
    if _globs(base_dir, stamp["includes"]) != stamp["included"]:
        return None  # a file appeared or went away under an include glob
    written = _load(outputs_path(base_dir))
    if written["token"] != stamp["outputs"]:
        return None  # not the outputs this stamp was written with
    outputs: dict[str, Any] = written["outputs"]
    if not all(_same(f, fp, refreshed) for f, fp in outputs.items()):
        return None
    moved = {f: fp for f, fp in refreshed.items() if f in outputs}
    outputs.update(moved)
    if refreshed and not edited:  # touched, not changed: remember the new stats
        inputs.update({f: fp for f, fp in refreshed.items() if f in inputs})
        if lock_file in refreshed:
            stamp["lock"] = [lock_file, refreshed[lock_file]]
        _write(base_dir, stamp, outputs if moved else None)
    return Verdict(dict(stamp["summary"]), frozenset(edited), outputs)
