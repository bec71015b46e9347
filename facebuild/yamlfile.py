"""YAML (and JSON) files read with the line and column of every key, so that every
error can point at the place a person has to fix.

A cast and its includes arrive in pull requests, so reading one is bounded: the size of a
file, the size of all files of one cast, the nesting depth, and the nodes that aliases add
(a "billion laughs" document is refused from its node graph, before anything is expanded).
"""

from __future__ import annotations

import hashlib
import json
import stat
import threading
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from facebuild.errors import CastError, Location
from facebuild.gcpause import paused_gc

try:  # libyaml's parser is several times faster on large casts
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - pure-Python PyYAML
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

KeyPath = tuple[str | int, ...]

MAX_FILE_BYTES = 8 * 1024 * 1024
"""The largest cast or included file read (a cast of 10,000 characters is about 1 MB)."""
MAX_TOTAL_BYTES = 32 * 1024 * 1024
"""The most a cast and all its includes may hold together."""
MAX_ALIAS_NODES = 100_000
"""How many nodes aliases (``*name``) may add to a document when expanded."""
MAX_DEPTH = 100
"""How deeply mappings and lists may nest."""


class _Document(NamedTuple):
    path: Path
    text: str
    prefix: KeyPath


class SourceMap:
    """Where each value of a loaded document came from, by key path.

    Locations are read when first asked for: only an error or a warning needs one, and
    recording the line of every value of a 10,000-target cast costs more than validating
    it. The map keeps each document's text and the moves made since, and on the first
    lookup reads the text again and replays them in order."""

    def __init__(self) -> None:
        self._locations: dict[KeyPath, Location] = {}
        self._unread: list[_Document | tuple[KeyPath, KeyPath]] = []
        """Documents not read for locations yet, and the moves (old, new) made after the
        first of them, in order."""
        self._moves: dict[KeyPath, KeyPath] = {}
        """Moves (old prefix -> new prefix) not applied yet: an include of 10,000 characters
        makes 10,000 moves, applied in one pass over the locations instead of one each."""
        self._prefixes: set[KeyPath] = set()
        self._ends: set[KeyPath] = set()
        """The pending moves' paths and all their prefixes: moves that overlap stay in order."""
        self._reading = threading.Lock()

    @property
    def locations(self) -> dict[KeyPath, Location]:
        """Every recorded location (the documents read, the moves applied)."""
        with self._reading:  # one reader: another thread's lookup waits for every location
            unread, self._unread = self._unread, []
            for step in unread:
                if isinstance(step, _Document):
                    self.settle()
                    node = yaml.compose(step.text, Loader=_Loader)  # read without error before
                    if node is not None:
                        _Converter(step.path, self._locations).convert(node, step.prefix)
                else:
                    self._move(*step)
            self.settle()
            return self._locations

    def record(self, path: Path, text: str, prefix: KeyPath) -> None:
        """The document ``text`` at ``path`` holds the values under ``prefix``; its
        locations are read on the first lookup."""
        self._unread.append(_Document(path, text, prefix))

    def find(self, path: KeyPath) -> Location | None:
        """The location of ``path``, or of its nearest ancestor that has one."""
        locations = self.locations
        for end in range(len(path), -1, -1):
            found = locations.get(path[:end])
            if found is not None:
                return found
        return None

    def move(self, old: KeyPath, new: KeyPath) -> None:
        """Record that the locations under ``old`` belong under ``new``."""
        if self._unread:
            self._unread.append((old, new))  # after the documents it moves
        else:
            self._move(old, new)

    def _move(self, old: KeyPath, new: KeyPath) -> None:
        ends = (old, new)
        if any(p in self._prefixes or any(p[:i] in self._ends for i in range(len(p)))
               for p in ends):
            self.settle()  # it overlaps a pending move: that one first
        self._moves[old] = new
        self._ends.update(ends)
        self._prefixes.update(p[:i] for p in ends for i in range(len(p) + 1))

    def settle(self) -> None:
        """Apply the pending moves, in one pass."""
        if not self._moves:
            return
        moves, lengths = self._moves, {len(old) for old in self._moves}
        moved: dict[KeyPath, Location] = {}
        for key in list(self._locations):
            for length in lengths:
                new = moves.get(key[:length])
                if new is not None:
                    moved[new + key[length:]] = self._locations.pop(key)
                    break
        self._locations.update(moved)
        moves.clear()
        self._ends.clear()
        self._prefixes.clear()


class ReadBudget:
    """The bytes the files of one cast may still use, shared by the cast and its includes."""

    __slots__ = ("remaining",)

    def __init__(self, remaining: int = MAX_TOTAL_BYTES) -> None:
        self.remaining = remaining


def read_meant_document(path: Path, source_map: SourceMap, prefix: KeyPath = (),
                        budget: ReadBudget | None = None) -> tuple[Any, Meaning]:
    """Parse ``path`` and return its data with the document's ``Meaning``; the locations
    of its values go into ``source_map`` under ``prefix`` (read when first asked for). A
    document the no-op check has just parsed (``document_meaning``) is not parsed again if
    its text is the same."""
    text = _read_text(path, budget if budget is not None else ReadBudget())
    parsed = _PARSED.pop((path, text), None)
    if parsed is None:
        parsed = _parse(text, path)
    source_map.record(path, text, prefix)
    return parsed


def _parse(text: str, path: Path) -> tuple[Any, Meaning]:
    with paused_gc():  # a large cast is a large graph of nodes, freed at once after
        node = _compose(text, path)
        data = None if node is None else _Converter(path, None).convert(node, ())
        del node  # freed by reference counting before the collector runs again, not walked by it
        return data, meaning_of(data)


_MERGE_TAG = "tag:yaml.org,2002:merge"
_MERGE_TAGS = frozenset({_MERGE_TAG, "tag:yaml.org,2002:value"})
"""What PyYAML makes of a plain ``<<`` and ``=``: a merge as a key, text as a value."""

_TYPED_FIRST = frozenset(_SafeLoader.yaml_implicit_resolvers)
"""The first characters of the plain scalars that may be something else than a string (a
number, a boolean, null, a date...); None among them would mean any character."""
_SHORTCUT = None not in _TYPED_FIRST


class _Loader(_SafeLoader):
    """The safe loader, with the same tags, made cheaper for most of a cast: a plain
    scalar whose first character begins no implicit type is a string at once, without
    PyYAML's generic lookup (22,500 scalars in the 10,000-target bench cast)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0] and value and value[0] not in _TYPED_FIRST and _SHORTCUT:
            return _STR_TAG
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


_PARSED: dict[tuple[Path, str], tuple[Any, Meaning]] = {}
"""The data and meaning of the document the no-op check read last, until the loader takes
it (at most one; the loader changes the data it takes)."""


def _compose(text: str, path: Path) -> yaml.Node | None:
    """The node graph of ``text``, checked: no alias bomb, no nesting too deep."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise CastError(f"YAML syntax error: {problem}", location=_at(path, mark)) from None
    except yaml.YAMLError as exc:
        raise CastError(f"YAML error: {exc}", location=Location(path)) from None
    if node is not None:
        _check_expansion(node, path, aliases="&" in text)
    return node


def _read_text(path: Path, budget: ReadBudget) -> str:
    limit = min(MAX_FILE_BYTES, budget.remaining)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block, /dev/zero never end
            raise CastError("not a regular file", location=Location(path))
        with path.open("rb") as handle:  # at most limit + 1 bytes, whatever its size says
            data = handle.read(min(limit, path.stat().st_size) + 1)
    except FileNotFoundError:
        raise CastError("file not found", location=Location(path)) from None
    except OSError as exc:
        raise CastError(f"cannot read file: {exc.strerror or exc}", location=Location(path)) from None
    if len(data) > limit:
        what = (f"is larger than {MAX_FILE_BYTES // 2**20} MB" if limit == MAX_FILE_BYTES
                else f"takes the cast and its includes past {MAX_TOTAL_BYTES // 2**20} MB")
        raise CastError(f"file {what}", location=Location(path),
                        hint="split the cast or leave large data out of it")
    budget.remaining -= len(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CastError("file is not UTF-8 text", location=Location(path, line)) from None


def _check_expansion(root: yaml.Node, path: Path, *, aliases: bool = True) -> None:
    """Refuse a node graph whose aliases would expand past MAX_ALIAS_NODES, refer to
    themselves, or nest deeper than MAX_DEPTH. Counts the graph, never expands it. A text
    with no ``&`` has no anchor, so no alias: the converter checks its depth as it goes."""
    if not aliases:
        return
    sizes: dict[int, int] = {}  # expanded size of each finished collection node
    open_nodes: set[int] = set()
    distinct = 0
    finished: list[yaml.Node] = []  # collections, innermost first
    # iterative depth-first walk: (node, depth, children done?)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        children = _children(node)
        if done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
            finished.append(node)
            continue
        if id(node) in sizes:
            continue  # an alias of a finished node: counted from its size
        if id(node) in open_nodes:
            raise CastError("an alias refers to the mapping or list that contains it",
                            location=_at(path, node.start_mark), hint="YAML aliases may not loop")
        if depth > MAX_DEPTH:
            raise CastError(f"nesting deeper than {MAX_DEPTH} levels", location=_at(path, node.start_mark))
        distinct += 1
        if not children:
            sizes[id(node)] = 1
            continue
        open_nodes.add(id(node))
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in reversed(children))
    if sizes[id(root)] - distinct > MAX_ALIAS_NODES:
        # point at the innermost mapping or list that alone expands too far
        first = next(n for n in finished if sizes[id(n)] - distinct > MAX_ALIAS_NODES)
        raise CastError(f"aliases expand this document past {MAX_ALIAS_NODES:,} nodes "
                        f"(to {sizes[id(root)]:,})", location=_at(path, first.start_mark),
                        hint="an alias bomb? write the values out, or use fewer nested aliases")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _at(path: Path, mark: Any) -> Location:
    return Location(path, mark.line + 1, mark.column + 1) if mark is not None else Location(path)


class Meaning(NamedTuple):
    """What a parsed document says, not how it is written: comments, layout and key order
    do not count (for the no-op fast path, see facebuild.uptodate). A document that lists
    characters (a cast, or an included list) is also seen in two parts, what it says besides
    its characters and what each character says, so that a check can tell which characters
    changed and that a new order of characters changes no target."""

    digest: str
    context: str | None = None
    """sha256 of the document without its ``characters`` list; None for another shape."""
    characters: tuple[tuple[str, str], ...] = ()
    """(id, sha256) of each character, in the document's order."""


def meaning_of(data: Any) -> Meaning:
    characters: Any = data.get("characters") if isinstance(data, dict) else data
    ids = _ids(characters)
    if ids is None:
        return Meaning(_digest(data))
    rest = {k: v for k, v in data.items() if k != "characters"} if isinstance(data, dict) else "list"
    context = _digest(rest)
    parts = tuple((i, _digest(c)) for i, c in zip(ids, characters, strict=True))
    whole = hashlib.sha256("\n".join([context, *(f"{i} {d}" for i, d in parts)]).encode("utf-8"))
    return Meaning(whole.hexdigest(), context, parts)


def _ids(characters: Any) -> list[str] | None:
    """The ids of a list of characters that each have one, else None."""
    if not isinstance(characters, list):
        return None
    ids = [c["id"] for c in characters if isinstance(c, dict) and isinstance(c.get("id"), str)]
    return ids if len(ids) == len(characters) else None


def _digest(data: Any) -> str:
    return hashlib.sha256(_CANONICAL.encode(data).encode("utf-8")).hexdigest()


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
"""One encoder for all: ``json.dumps`` with options makes a new one each call, which is a
third of the time of encoding one character."""


def document_meaning(path: Path) -> Meaning | None:
    """The ``Meaning`` of the document at ``path``; None when it cannot be read. The
    document is kept for ``read_meant_document``: when its meaning changed, the loader
    comes next and need not parse it again."""
    try:
        text = _read_text(path, ReadBudget())
        parsed = _parse(text, path)  # the gc paused while each character is encoded too
    except CastError:
        return None
    _PARSED.clear()
    _PARSED[(path, text)] = parsed
    return parsed[1]


def relocate(source_map: SourceMap, old: KeyPath, new: KeyPath) -> None:
    """Move the recorded locations under ``old`` to ``new`` (used when an included
    file's characters are appended to the cast's list)."""
    source_map.move(old, new)


_STR_TAG = "tag:yaml.org,2002:str"


class _Converter:
    """Node graph -> Python data, recording the location of every value in ``locations``
    (with None, none: a load only wants the data); one per document (the constructor keeps
    what it built)."""

    def __init__(self, path: Path, locations: dict[KeyPath, Location] | None) -> None:
        self.path = path
        self.locations = locations
        self.constructor = yaml.constructor.SafeConstructor()
        self.top = 0

    def convert(self, node: yaml.Node, key_path: KeyPath) -> Any:
        self.top = len(key_path)
        return self._convert(node, key_path)

    def _convert(self, node: yaml.Node, key_path: KeyPath) -> Any:
        path, locations = self.path, self.locations
        if locations is not None:
            locations[key_path] = _at(path, node.start_mark)
        if node.tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
            return node.value  # most of a cast: skip the generic constructor
        if len(key_path) - self.top >= MAX_DEPTH:  # without aliases, the only depth check
            raise CastError(f"nesting deeper than {MAX_DEPTH} levels", location=_at(path, node.start_mark))
        if isinstance(node, yaml.MappingNode):
            self._merge(node)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key_text = key_node.value if key_node.tag == _STR_TAG else str(self.scalar(key_node))
                if key_text in result:
                    from facebuild.shown import shown  # the privacy guard: only for this message

                    raise CastError(f"duplicate key {shown(key_text)}", hint="each key may appear once "
                                    "in a mapping", location=_at(path, key_node.start_mark))
                result[key_text] = self._convert(value_node, key_path + (key_text,))
                if locations is not None:
                    locations[key_path + (key_text,)] = _at(path, key_node.start_mark)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self._convert(item, key_path + (index,)) for index, item in enumerate(node.value)]
        return self.scalar(node)

    def _merge(self, node: yaml.MappingNode) -> None:
        """Merge keys (``<<: *defaults``) as YAML 1.1 defines them: a key of the mapping's
        own wins over a merged one, and of several mappings merged the first that has a key
        gives it. A key twice among the mapping's own is still a duplicate."""
        if not any(key.tag == _MERGE_TAG for key, _ in node.value):
            return
        own = sum(key.tag != _MERGE_TAG for key, _ in node.value)
        try:
            self.constructor.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            raise CastError(f"YAML error: {exc.problem or exc.context or 'cannot merge'}",
                            location=_at(self.path, exc.problem_mark or node.start_mark),
                            hint="<< merges a mapping or a list of mappings") from None
        merged, mine = node.value[:len(node.value) - own], node.value[len(node.value) - own:]
        taken = {(key.tag, key.value) for key, _ in mine}
        kept: dict[tuple[str, Any], tuple[yaml.Node, yaml.Node]] = {}
        for key, value in merged:  # in PyYAML's order: a later pair wins
            if (key.tag, key.value) not in taken:
                kept[(key.tag, key.value)] = (key, value)
        node.value = [*kept.values(), *mine]

    def scalar(self, node: yaml.Node) -> Any:
        """A value other than a plain string: a number, a boolean, null, a date..."""
        if isinstance(node, yaml.ScalarNode) and node.tag in _MERGE_TAGS:
            return node.value  # a value written ``=`` or ``<<``: only a key means a merge
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            raise CastError(f"YAML error: {exc.problem or exc.context or 'cannot read value'}",
                            location=_at(self.path, node.start_mark),
                            hint="facebuild reads plain YAML: no tags like !!python/...") from None
        except (ValueError, OverflowError, TypeError):
            # Python refuses to convert integers of more than 4,300 digits; a date may not exist
            kind = str(node.tag).rsplit(":", 1)[-1]
            problem = {"int": "integer with too many digits (4,300 at most)",
                       "timestamp": "not a valid date"}.get(kind, f"cannot read this {kind} value")
            raise CastError(problem, location=_at(self.path, node.start_mark)) from None
