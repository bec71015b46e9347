"""What a cast must be besides its YAML: the schema's errors translated into lines that
name the file, line and key (with the nearest valid key for a typo), and the checks a
schema cannot say: slugs, unique ids, variant references, sizes, output patterns, the
backend's name, dist. ``facebuild.cast`` loads; this module judges.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from facebuild.backends import backend_names
from facebuild.castfile import MAX_SIDE, SLUG_PATTERN, CastFile, Character, Variant
from facebuild.distpaths import dist_problem, path_problem
from facebuild.errors import CastError, CastErrors
from facebuild.shown import masked, shown
from facebuild.yamlfile import KeyPath, SourceMap

_SLUG = re.compile(SLUG_PATTERN)  # with fullmatch: '$' alone lets a trailing newline through
_OUTPUT_FIELDS = {"character", "variant", "format", "name"}


def validate(data: dict[str, Any], source_map: SourceMap) -> CastFile:
    try:
        return CastFile.model_validate(data)
    except ValidationError as exc:
        raise CastErrors([_cast_error(err, data, source_map) for err in exc.errors()]) from None


def _cast_error(err: Any, data: dict[str, Any], source_map: SourceMap) -> CastError:
    loc: KeyPath = tuple(err["loc"])
    # pydantic adds the union member tried (e.g. 'int') to the path: drop such steps
    loc = tuple(step for step in loc if not _is_union_tag(step))
    location = source_map.find(loc)
    key = _key_text(loc, data)
    kind = err["type"]
    if kind == "extra_forbidden":
        parent_key = _key_text(loc[:-1], data)
        valid = _fields_at(loc[:-1])
        near = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        hint = f"did you mean '{near[0]}'?" if near else f"valid keys: {', '.join(valid)}"
        where = f" in {parent_key}" if parent_key else ""
        return CastError(f"unknown key '{masked(str(loc[-1]))}'{where}", location=location, key=key,
                         hint=hint)
    if kind == "missing":
        return CastError(f"missing required key '{loc[-1]}'", location=location, key=key)
    got = err.get("input")
    message = str(err["msg"]).removeprefix("Value error, ")
    message = message[0].lower() + message[1:]
    if not isinstance(got, dict | list):
        message += f", got {shown(got)}"  # masked: an error goes to CI logs
    return CastError(message, location=location, key=key)


def _is_union_tag(step: str | int) -> bool:
    return isinstance(step, str) and ("[" in step or step in {"int", "str", "float"})


def _fields_at(loc: KeyPath) -> list[str]:
    """The valid keys of the mapping at ``loc`` in a cast file."""
    model: type[BaseModel] = CastFile
    for step in loc:
        if isinstance(step, int):
            continue
        info = model.model_fields.get(step) or next(
            (f for f in model.model_fields.values() if f.alias == step), None)
        if info is None:
            if model is CastFile and step == "variants":
                model = Variant
                continue
            if model is Variant or model is Character:
                continue  # a variant name or list index
            return []
        annotation = info.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
    return sorted(info.alias or name for name, info in model.model_fields.items())


def _key_text(loc: KeyPath, data: dict[str, Any]) -> str:
    """``characters[tessa-quark].variants`` rather than ``characters.3.variants``."""
    text = ""
    node: Any = data
    for step in loc:
        if isinstance(step, int):
            label: str = str(step)
            if isinstance(node, list) and step < len(node):
                item = node[step]
                if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
                    label = masked(item["id"])
                node = item
            else:
                node = None
            text += f"[{label}]"
        else:
            text += f".{masked(step)}" if text else masked(step)
            node = node.get(step) if isinstance(node, dict) else None
    return text


def check_semantics(spec: CastFile, base_dir: Path,
                     source_map: SourceMap) -> tuple[list[CastError], list[str]]:
    """What a schema cannot say: slugs, unique ids, variant references, sizes, backend."""
    errors: list[CastError] = []
    warnings: list[str] = []

    def error(path: KeyPath, key: str, message: str, hint: str | None = None) -> None:
        errors.append(CastError(message, location=source_map.find(path), key=key, hint=hint))

    if spec.backend.name not in backend_names():
        near = difflib.get_close_matches(spec.backend.name, backend_names(), n=1)
        error(("backend", "name"), "backend.name", f"unknown backend {shown(spec.backend.name)}",
              f"did you mean '{near[0]}'?" if near else f"choose one of {', '.join(backend_names())}")
    _check_output_pattern(spec.output, ("output",), error)
    cycles: set[frozenset[str]] = set()
    for name, variant in spec.variants.items():
        _check_variant(name, variant, spec, error, cycles)
    seen: dict[str, int] = {}
    for index, character in enumerate(spec.characters):
        path: KeyPath = ("characters", index)
        if not _SLUG.fullmatch(character.id):
            error(path + ("id",), f"characters[{index}].id",
                  f"id {shown(character.id)} is not a slug",
                  "use lowercase letters, digits and '-', e.g. 'tessa-quark'")
        elif character.id in seen:
            first = source_map.find(("characters", seen[character.id], "id"))
            error(path + ("id",), f"{_label(character, index)}.id",
                  f"duplicate character id '{masked(character.id)}'",
                  f"first defined at {first}" if first else None)
        else:
            seen[character.id] = index
        if not (character.variants or character.seeds or character.model_extra):
            continue  # most characters: nothing more to check, no label to mask
        label = _label(character, index)
        for ref_index, ref in enumerate(character.variants or []):
            _check_variant_ref(ref, spec, path + ("variants", ref_index), f"{label}.variants", error)
        for ref in character.seeds:
            _check_variant_ref(ref, spec, path + ("seeds", ref), f"{label}.seeds.{masked(ref)}", error)
        warnings.extend(_near_miss_warnings(character, source_map, path, label))
    return errors, warnings


def _label(character: Character, index: int) -> str:
    """``characters[tessa-quark]``, as a message names a character (masked: an id may hold
    personal data, and masking costs a scan, so only for a message)."""
    return f"characters[{masked(character.id) or index}]"


def _check_output_pattern(pattern: str, path: KeyPath, error: Any) -> None:
    """Only plain fields: {character}, {variant}, {format}, {name}, or a character key (its
    value, the formatted path and its uniqueness are checked when the plan is made). No
    format spec, conversion, attribute or index: '{character:/<1.0}' is an absolute path."""
    key = ".".join(str(p) for p in path)
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        error(path, key, f"bad output pattern: {exc}", "write fields as {character}")
        return
    fields: set[str] = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion is not None or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            error(path, key, f"output pattern field {{{shown}}} is not a plain name",
                  "write {character}, {variant}, {format}, {name} or a character key, "
                  "without ':', '!', '.' or '[]'")
            return
        fields.add(name)
    problem = path_problem(pattern.format(**dict.fromkeys(fields, "x")))
    if not fields & {"character", "variant", "name"} and len(fields - _OUTPUT_FIELDS) == 0:
        error(path, key, "output pattern must contain {character} and {variant}",
              "e.g. '{character}/{variant}.{format}'")
    elif problem is not None:
        error(path, key, f"output pattern {pattern!r} {problem}",
              "write a relative path inside dist, e.g. '{character}/{variant}.{format}'")


def check_dist(dist: str, base_dir: Path, source_map: SourceMap) -> list[CastError]:
    """A cast file's ``dist:`` must be a folder of its own (``facebuild.distpaths``)."""
    problem = dist_problem(dist, base_dir)
    if problem is None:
        return []
    return [CastError(problem, location=source_map.find(("dist",)), key="dist",
                      hint="give dist a folder of its own, e.g. 'dist'")]


def _check_variant(name: str, variant: Variant, spec: CastFile, error: Any,
                   cycles: set[frozenset[str]]) -> None:
    path: KeyPath = ("variants", name)
    if variant.output is not None:
        _check_output_pattern(variant.output, path + ("output",), error)
    if not _SLUG.fullmatch(name):
        error(path, f"variants.{masked(name)}", f"variant name {shown(name)} is not a slug",
              "use lowercase letters, digits and '-'")
    if any(side <= 0 or side > MAX_SIDE for side in variant.size):
        error(path + ("size",), f"variants.{masked(name)}.size",
              f"size must be between 1 and {MAX_SIDE} pixels per side, "
              f"got {'x'.join(map(str, variant.size))}")
    if variant.render_size is not None and any(side <= 0 or side > MAX_SIDE for side in variant.render_size):
        error(path + ("render_size",), f"variants.{name}.render_size",
              f"render_size must be between 1 and {MAX_SIDE} pixels per side, "
              f"got {'x'.join(map(str, variant.render_size))}")
    if variant.from_ is not None:
        if variant.from_ not in spec.variants:
            _check_variant_ref(variant.from_, spec, path + ("from",), f"variants.{masked(name)}.from", error)
        else:
            chain = [name]
            current: str | None = variant.from_
            while current is not None and current not in chain:
                chain.append(current)
                current = spec.variants[current].from_ if current in spec.variants else None
            if current is None:
                return
            cycle = frozenset(chain[chain.index(current):])
            if cycle not in cycles:
                cycles.add(cycle)
                error(path + ("from",), f"variants.{masked(name)}.from",
                      f"'from:' makes a cycle: {' -> '.join([*chain, current])}",
                      "one variant in the chain must be generated, without 'from:'")


def _check_variant_ref(ref: str, spec: CastFile, path: KeyPath, key: str, error: Any) -> None:
    if ref not in spec.variants:
        near = difflib.get_close_matches(ref, list(spec.variants), n=1)
        error(path, key, f"unknown variant {shown(ref)}",
              f"did you mean '{near[0]}'?" if near else f"variants: {', '.join(spec.variants)}")


def _near_miss_warnings(character: Character, source_map: SourceMap, path: KeyPath,
                        label: str) -> Iterable[str]:
    """Extra keys are allowed on characters (templates use them), so a typo of a known
    key is only a warning."""
    known = sorted(Character.model_fields)
    for extra in character.model_extra or {}:
        near = difflib.get_close_matches(extra, known, n=1, cutoff=0.75)
        if near:
            where = source_map.find(path + (extra,))
            yield (f"{where}: {label}.{masked(extra)}: unknown key '{masked(extra)}' passed to "
                   f"templates as is (did you mean '{near[0]}'?)")
