"""The rows of cast.lock: what a version 2 row leaves out of its entry, and how reading
restores the whole entry, so the rest of facebuild only ever sees full ``LockEntry`` records.

A version 2 row leaves out what the lock says elsewhere:

- a target whose render is another target's (``icon`` made ``from: bust``) names that
  target, ``"render_of": "tessa/bust"``, instead of repeating the render, its key, the
  template, the price, the source and ``depends_on``; the target named is the first, in
  sorted order, with that render key, and holds them all (it names no other);
- ``output_key`` is left out when it is the digest of ``post`` and ``render_key`` (what
  the planner makes), and recomputed on reading;
- ``file`` is left out when it is the target's name with its format (``tessa/bust.png``).

A version 1 row is the whole entry. Reading shares what is equal between entries (a
render between the targets made from it, equal ``post`` mappings, the equal values of
renders: backend, model, identity...), which keeps a lock of 100,000 targets small in
memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, cast

from facebuild.lockentry import LockEntry, entry_problem, shown

SHARED = ("render", "render_key", "template", "price", "source", "depends_on")
"""The fields a row with ``render_of`` takes from the row it names."""


class RowError(ValueError):
    """A row facebuild could not have written: ``target`` and what is wrong with it."""

    def __init__(self, target: object, problem: str) -> None:
        super().__init__(problem)
        self.target, self.problem = target, problem


def holders(entries: dict[str, LockEntry], names: Iterable[str]) -> dict[str, str]:
    """For each target of ``names`` (sorted) whose render key an earlier one has, that
    earlier target: the one that holds the render in the file, if the two share it."""
    first: dict[str, str] = {}
    found: dict[str, str] = {}
    for name in names:
        key = entries[name].render_key
        if key is not None:
            holder = first.setdefault(key, name)
            if holder != name:
                found[name] = holder
    return found


def shares(entry: LockEntry, holder: LockEntry) -> bool:
    """Whether ``entry`` may be written as ``render_of`` ``holder``: every shared field the
    same, as JSON says it (``1``, ``1.0`` and ``true`` are equal in Python, not in the file)."""
    return (entry.render_key == holder.render_key and holder.render is not None
            and _same(entry.render, holder.render) and entry.template == holder.template
            and type(entry.price) is type(holder.price) and entry.price == holder.price
            and _same(entry.source, holder.source) and entry.depends_on == holder.depends_on)


def _same(one: dict[str, Any] | None, other: dict[str, Any] | None) -> bool:
    """Equal as written: the same object (the targets of one render in a build), or equal
    with the same JSON text (an entry read from a version 1 lock)."""
    return one is other or (one == other and _exact(one) == _exact(other))


def _exact(value: dict[str, Any] | None) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


PostTexts = dict[int, tuple[dict[str, Any], str]]
"""Canonical JSON of each post by ``id``, with the post (kept alive, so the id is its own):
the entries of a lock share a few post objects, encoded once per write, not once per entry."""


def row(name: str, entry: LockEntry, holder: tuple[str, LockEntry] | None,
        posts: PostTexts | None = None) -> dict[str, Any]:
    """The fields of ``entry``'s row in a version 2 lock; ``holder`` is the target that
    holds its render in the file (see ``holders``), if any."""
    data = entry.to_dict()
    if holder is not None and shares(entry, holder[1]):
        for key in SHARED:
            data.pop(key, None)
        data["render_of"] = holder[0]
    post = entry.post
    if post is not None and entry.render_key is not None:
        if entry.output_key == output_key(entry.render_key, _post_text(post, posts)):
            data.pop("output_key", None)
        elif entry.output_key is None:
            data["output_key"] = None  # not the computed one: said, so that it reads back as None
        if entry.file == _default_file(name, post):
            del data["file"]
    return data


def output_key(render_key: str, post_json: str) -> str:
    """The planner's output key (``facebuild.planner.output_key``): the digest of
    ``{"post": post, "render_key": render_key}`` as canonical JSON."""
    text = f'{{"post":{post_json},"render_key":"{render_key}"}}'
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _post_json(post: dict[str, Any]) -> str:
    return json.dumps(post, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _post_text(post: dict[str, Any], posts: PostTexts | None) -> str:
    if posts is None:
        return _post_json(post)
    known = posts.get(id(post))
    if known is None or known[0] is not post:
        known = posts[id(post)] = (post, _post_json(post))
    return known[1]


def _default_file(name: str, post: dict[str, Any]) -> str | None:
    fmt = post.get("format")
    return f"{name}.{fmt}" if type(fmt) is str else None


def entries_of(chunks: Iterable[dict[Any, Any]], version: int,
               holding: dict[str, LockEntry] | None = None) -> dict[str, LockEntry]:
    """The checked, whole entries of a lock's ``targets`` (given whole, or in chunks of rows
    in the file's order: a chunk's parse is let go before the next is made), in the file's
    order; ``RowError`` for the first row facebuild could not have written (checked as
    strictly as a journal record: paths inside dist, 64-hex digests, types; a ``render_of``
    that names no row, or one that itself names another, is refused). ``holding``: rows of
    the same lock read before, written whole, that a ``render_of`` of these rows may name
    (a lock read some rows at a time); they are not in the result."""
    read = _Read(version)
    for name, entry in (holding or {}).items():
        read.holding[name] = read.found[name] = entry
        read.owners[entry.file] = name
    later: list[tuple[str, dict[str, Any]]] = []
    for rows in chunks:
        for name, data in rows.items():
            if version >= 2 and type(data) is dict:
                if "file" not in data and type(data.get("post")) is dict:
                    data["file"] = _default_file(name, data["post"]) if type(name) is str else None
                if "render_of" in data:
                    holder = data["render_of"]
                    if type(holder) is str and holder in read.holding:  # sorted: it comes first
                        read.shared(name, data)
                    else:  # a hand-sorted lock: found at the end, or refused then
                        read.later(name)
                        later.append((name, data))
                    continue
            read.whole(name, data)
    for name, data in later:
        read.shared(name, data)
    for name in holding or ():
        del read.found[name]
    return cast("dict[str, LockEntry]", read.found)  # every row found at the end is there now


class _Read:
    """The entries of one lock as its rows are read, and what is shared between them."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.found: dict[str, LockEntry | None] = {}
        """By target in the file's order; None for a row found at the end."""
        self.holding: dict[str, LockEntry] = {}
        """The rows written whole: only they hold a render that others name."""
        self.owners: dict[str, str] = {}
        self.posts: dict[str, tuple[dict[str, Any], Any]] = {}
        """Each post read, and its output key's hash fed up to the render key, by its repr."""
        self.strings: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def later(self, name: str) -> None:
        self.found[name] = None  # its place in the file's order

    def whole(self, name: Any, data: Any) -> None:
        problem = entry_problem(name, data)
        if problem is not None:
            raise RowError(name, problem)
        get = data.get
        key = get("render_key")
        post, output = self._post_and_key(get("post"), key, data)
        render = get("render")
        if render is not None:
            self._share_values(render)
        self.holding[name] = self._add(name, LockEntry(
            data["file"], data["sha256"], key, output, render, post, get("template"),
            get("price"), get("source"), get("depends_on")))

    def shared(self, name: Any, data: dict[str, Any]) -> None:
        holder = data["render_of"]
        problem = entry_problem(name, data) or self._render_of_problem(holder, data)
        if problem is not None:
            raise RowError(name, problem)
        base = self.holding[holder]
        post, output = self._post_and_key(data.get("post"), base.render_key, data)
        self._add(name, LockEntry(data["file"], data["sha256"], base.render_key, output, base.render,
                                  post, base.template, base.price, base.source, base.depends_on))

    def _add(self, name: str, entry: LockEntry) -> LockEntry:
        other = self.owners.setdefault(entry.file, name)
        if other != name:
            raise RowError(name, f"file: {entry.file!r} is also the file of {other!r}")
        self.found[name] = entry
        return entry

    def _render_of_problem(self, holder: object, data: dict[str, Any]) -> str | None:
        if type(holder) is not str:
            return f"render_of: {shown(holder)} is not a target name"
        if holder not in self.found:
            return f"render_of: {shown(holder)} names no target of this lock"
        if holder not in self.holding:
            return f"render_of: {shown(holder)} takes its own render from another target"
        base = self.holding[holder]
        if base.render is None or base.render_key is None:
            return f"render_of: {shown(holder)} has no render to share"
        if not data.keys().isdisjoint(SHARED):
            written = next(key for key in SHARED if key in data)
            return f"{written}: is taken from render_of {shown(holder)}, not written beside it"
        return None

    def _share_values(self, render: dict[str, Any]) -> None:
        """Make each value of ``render`` the same object as an equal one read before it: the
        backend, model, negative prompt, template digest, identity and options of 50,000
        renders are a few objects, not 50,000 copies each (30 MB at 100,000 targets)."""
        strings, values = self.strings, self.values  # apart: the text "{}" is not the mapping {}
        for key, value in render.items():
            kind = type(value)
            if kind is str:
                render[key] = strings.setdefault(value, value)
            elif kind is dict or kind is list:
                render[key] = values.setdefault(repr(value), value)  # repr tells 1 from 1.0 and True

    def _post_and_key(self, post: dict[str, Any] | None, render_key: str | None,
                      data: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """A row's post, the same object as an equal one read before it, and its output key:
        as written, or computed when a version 2 row left it out."""
        key: str | None = data.get("output_key")
        if post is None:
            return None, key
        seen = self.posts.get(text := repr(post))  # repr tells 1 from 1.0 and True, as JSON does
        if seen is None:
            head = '{"post":' + _post_json(post) + ',"render_key":"'  # see output_key
            seen = self.posts[text] = (post, hashlib.sha256(head.encode("utf-8")))
        if self.version >= 2 and render_key is not None and "output_key" not in data:
            digest = seen[1].copy()  # the post's part hashed once, not once a row
            digest.update((render_key + '"}').encode("utf-8"))
            key = digest.hexdigest()
        return seen[0], key
