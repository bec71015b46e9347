"""What a path inside dist may be, and what dist itself may be.

Every path facebuild writes, reads or deletes in dist passes ``path_problem`` first,
whether it was formatted from an output pattern or read from cast.lock, the journal or
dist state: all of them may be hand-made or hostile. Plain strings, no filesystem: the
planner checks 10,000 paths with it. Symlinks inside dist are the job of
``facebuild.diststate.DistState.inside``, which resolves each folder once.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from facebuild.atomic import TEMP_PREFIX

MANIFEST, GALLERY, CONTACT_SHEET = "manifest.json", "index.html", "contact-sheet.png"
OWN_FILES = frozenset({MANIFEST, GALLERY, CONTACT_SHEET})
"""Files facebuild writes at the top of dist for the whole cast (see ``is_own_file``)."""
_SHEET_PAGE = re.compile(r"contact-sheet-[0-9]+\.png")
"""The further pages of the contact sheet of a large cast."""


def is_own_file(relative: str) -> bool:
    """Whether ``relative`` is one of facebuild's files for the whole cast: no target's."""
    return relative in OWN_FILES or (relative.startswith("contact-sheet-")
                                     and _SHEET_PAGE.fullmatch(relative) is not None)

MAX_PATH = 1024

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters, line separators and bidirectional overrides (a name that reads
``gnp.exe`` backwards is as bad as a newline in a path)."""

_COMPONENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_PLAIN = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9._-]*/)*[A-Za-z0-9_][A-Za-z0-9._-]*")
"""The paths of nearly every cast (``tessa-quark/bust.png``): safe at one glance, since no
part can be '.', '..' or a temp name when each starts with a letter, digit or '_'."""


def path_problem(relative: object) -> str | None:
    """Why ``relative`` cannot be a file in dist, or None when it can: it must be a
    relative path with '/' separators, no empty, '.' or '..' part, no control character,
    no backslash, and not one of facebuild's own files or temp names."""
    if not isinstance(relative, str) or not relative:
        return "is not a path"
    if len(relative) <= MAX_PATH and _PLAIN.fullmatch(relative) and not is_own_file(relative):
        return None  # the quick answer for 10,000 targets; the rest says what is wrong
    if len(relative) > MAX_PATH:
        return f"is longer than {MAX_PATH} characters"
    if _CONTROL.search(relative):
        return "holds a control character"
    if "\\" in relative:
        return "holds a backslash (use '/')"
    if relative.startswith("/"):
        return "is absolute: it must be relative to dist"
    parts = relative.split("/")
    if ".." in parts:
        return "leaves dist ('..')"
    if any(part in ("", ".") for part in parts):
        return "has an empty or '.' part"
    if is_own_file(relative):
        return "is a file facebuild writes for the whole cast"
    if any(part.startswith(TEMP_PREFIX) for part in parts):
        return f"starts with {TEMP_PREFIX!r}, the name of facebuild's temp files"
    return None


def is_safe_component(value: object) -> bool:
    """One folder or file name made of ASCII letters, digits, '.', '_' and '-', starting
    with a letter or digit, without '..': ``S00``, ``SPEAKER_00``, ``tessa-quark``."""
    return isinstance(value, str) and bool(_COMPONENT.fullmatch(value)) and ".." not in value


def file_name(text: str, fallback: str) -> str:
    """``text`` as a safe file name the way ai_facegen named its files: 'Tessa Quark' ->
    'tessa_quark', accents dropped ('É' -> 'e'), nothing but ASCII letters, digits, '_'
    and '-', so no separator and no '..'; ``fallback`` when nothing is left."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\s+", "_", text.strip())
    return re.sub(r"[^a-z0-9_-]", "", text).strip("_-")[:100] or fallback


def dist_problem(dist: str, base_dir: Path) -> str | None:
    """Why ``dist`` (the cast's ``dist:``) cannot be its output folder, or None: it must
    not be the cast's folder or one above it (a build and ``clean`` own what is in dist),
    nor inside facebuild's state folder, nor an existing file."""
    if _CONTROL.search(dist):
        return "holds a control character"
    base = Path(os.path.realpath(base_dir))
    folder = Path(os.path.realpath(base / dist))
    if folder == base or folder in base.parents:
        where = "/" if folder == Path(folder.anchor) else str(folder)
        return (f"'{dist}' is the cast's folder or one above it ({where}): facebuild would "
                "treat everything there as its outputs")
    if folder.is_relative_to(base / ".facebuild"):
        return f"'{dist}' is inside facebuild's state folder .facebuild"
    if folder.exists() and not folder.is_dir():
        return f"'{dist}' is a file, not a folder"
    return None


def remove_empty_parents(folder: Path, stop: Path) -> None:
    """Remove ``folder`` and its parents while they are empty, up to (not including)
    ``stop``; never a folder that, links resolved, lies outside ``stop``."""
    try:
        top = stop.resolve()
    except (OSError, RuntimeError):
        return
    while folder != stop:
        try:
            if not folder.resolve().is_relative_to(top):
                return
            folder.rmdir()
        except (OSError, RuntimeError):
            return
        folder = folder.parent
