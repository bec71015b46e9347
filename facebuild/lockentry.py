"""One target's record in cast.lock, and the checks an entry read from a file must pass.

A lock, its journal and a lock committed at another revision are all hand-made or hostile
input: ``entry_problem`` says what facebuild could not have written before any path in an
entry is used.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from facebuild.distpaths import path_problem


class LockEntry(NamedTuple):
    """What cast.lock records of one target: its file in dist and that file's sha256, the
    keys it was made with, the render inputs (prompt, seed, model, ...), the post-processing,
    the template, the price paid per render, and where its character came from (a persona).
    The JSON field names are those of the file (``source``), kept for the locks in users'
    repositories. A field that is None is not written (but for an ``output_key`` the row
    would otherwise leave out: see ``facebuild.lockrows``); a row may leave out fields that
    reading restores, so every entry holds all it was made with.

    A named tuple, not a frozen dataclass: as immutable and as typed, and ten times cheaper
    to make, which a full check of 10,000 targets does once per entry."""

    file: str
    sha256: str
    render_key: str | None = None
    output_key: str | None = None
    render: dict[str, Any] | None = None
    post: dict[str, Any] | None = None
    template: str | None = None
    price: float | None = None
    source: dict[str, Any] | None = None
    depends_on: str | None = None
    """The target (or file) its render was generated from, for a render with a reference."""

    @classmethod
    def from_dict(cls, name: object, data: object) -> LockEntry:
        """The entry of ``data`` as read from a lock or journal; ``ValueError`` saying what
        is wrong when facebuild could not have written it (see ``entry_problem``)."""
        problem = entry_problem(name, data)
        if problem is not None:
            raise ValueError(problem)
        assert isinstance(data, dict)
        return checked_entry(data)

    def to_dict(self) -> dict[str, Any]:
        """The entry with every field it holds (the journal's record, and a version 1 lock's)."""
        return {key: value for key, value in zip(self._fields, self, strict=True)
                if value is not None}


def checked_entry(data: dict[str, Any]) -> LockEntry:
    """The entry of ``data`` that ``entry_problem`` found nothing wrong with."""
    get = data.get
    return LockEntry(data["file"], data["sha256"], get("render_key"), get("output_key"),
                     get("render"), get("post"), get("template"), get("price"), get("source"),
                     get("depends_on"))


_SHA256 = re.compile(r"[0-9a-f]{64}")
_OPTIONAL_TYPES: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("render_key", (str,)), ("output_key", (str,)), ("render", (dict,)), ("post", (dict,)),
    ("template", (str,)), ("price", (int, float)), ("source", (dict,)), ("depends_on", (str,)))
"""Exact types (``True`` is no price), checked for every entry of a 10,000-target lock."""


def entry_problem(name: object, entry: object) -> str | None:
    """What is wrong with one lock (or journal) entry, or None: its file must be a path
    inside dist (see ``facebuild.distpaths``) and each field of the type facebuild writes."""
    if not isinstance(name, str) or not name or len(name) > 512:
        return "a target name must be a non-empty string"
    if not isinstance(entry, dict):
        return f"the entry is a {type(entry).__name__}, not a mapping"
    problem = path_problem(entry.get("file"))
    if problem is not None:
        return f"file: {shown(entry.get('file'))} {problem}"
    digest = entry.get("sha256")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        return f"sha256: {shown(digest)} is not a sha256 (64 hex digits)"
    get = entry.get
    for key, kinds in _OPTIONAL_TYPES:
        value = get(key)
        if value is not None and type(value) not in kinds:
            return f"{key}: {shown(value)} is not of the type facebuild writes"
    return None


def shown(value: object) -> str:
    """A short, one-line rendering of an untrusted value for a message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
