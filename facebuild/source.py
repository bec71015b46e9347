"""YAML (and JSON) files read with the line and column of every key, so that every
error can point at the place a person has to fix."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from facebuild.errors import CastError, Location

try:  # libyaml's parser is several times faster on large casts
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python PyYAML
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

KeyPath = tuple[str | int, ...]
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


@dataclass
class SourceMap:
    """Where each value of a loaded document came from, by key path."""

    locations: dict[KeyPath, Location] = field(default_factory=dict)

    def find(self, path: KeyPath) -> Location | None:
        """The location of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.locations.get(path[:end])
            if found is not None:
                return found
        return None


def read_document(path: Path, source_map: SourceMap, prefix: KeyPath = ()) -> Any:
    """Parse ``path`` and record the location of every node under ``prefix``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CastError("file not found", location=Location(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CastError(f"cannot read file: {exc}", location=Location(path)) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise CastError(f"YAML syntax error: {problem}", location=where) from None
    except yaml.YAMLError as exc:
        raise CastError(f"YAML error: {exc}", location=Location(path)) from None
    if node is None:
        return None
    return _convert(node, path, prefix, source_map)


def meaning_digest(data: Any) -> str:
    """sha256 of what a parsed document says, not how it is written: comments, layout and
    key order do not count (for the no-op fast path, see facebuild.uptodate)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_digest(path: Path) -> str | None:
    """``meaning_digest`` of the document at ``path``; None when it cannot be read."""
    try:
        return meaning_digest(read_document(path, SourceMap()))
    except CastError:
        return None


def relocate(source_map: SourceMap, old: KeyPath, new: KeyPath) -> None:
    """Move the recorded locations under ``old`` to ``new`` (used when an included
    file's characters are appended to the cast's list)."""
    moved = {
        new + key[len(old) :]: loc
        for key, loc in source_map.locations.items()
        if key[: len(old)] == old
    }
    for key in [k for k in source_map.locations if k[: len(old)] == old]:
        del source_map.locations[key]
    source_map.locations.update(moved)


_STR_TAG = "tag:yaml.org,2002:str"


def _convert(node: yaml.Node, path: Path, key_path: KeyPath, source_map: SourceMap) -> Any:
    mark = node.start_mark
    source_map.locations[key_path] = Location(path, mark.line + 1, mark.column + 1)
    if node.tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
        return node.value  # most of a cast: skip the generic constructor
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_text = (key_node.value if key_node.tag == _STR_TAG
                        else str(_CONSTRUCTOR.construct_object(key_node, deep=True)))
            if key_text in result:
                where = Location(path, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raise CastError(
                    f"duplicate key '{key_text}'",
                    location=where,
                    hint="each key may appear once in a mapping",
                )
            result[key_text] = _convert(value_node, path, key_path + (key_text,), source_map)
            key_mark = key_node.start_mark
            source_map.locations[key_path + (key_text,)] = Location(
                path, key_mark.line + 1, key_mark.column + 1
            )
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, path, key_path + (index,), source_map)
            for index, item in enumerate(node.value)
        ]
    return _CONSTRUCTOR.construct_object(node, deep=True)
