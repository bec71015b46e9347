"""Load a cast: YAML with line marks and includes, turned into a ``Cast``.

``load_cast(path)`` reads the file and its includes, runs the pre-load steps of
``facebuild.cast_steps`` (an ai_facegen config, personas), and has ``facebuild.cast_checks``
validate the result: it returns a ``Cast`` or raises ``CastErrors`` listing every mistake,
each with its file, line and key path, and the nearest valid key for a typo.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facebuild.cast_checks import check_dist, check_semantics, validate
from facebuild.cast_steps import as_cast_data, expand
from facebuild.castfile import CastFile, Character
from facebuild.compat import fill_missing_ids
from facebuild.errors import CastError, CastErrors, Location
from facebuild.shown import shown
from facebuild.yamlfile import (
    KeyPath,
    Meaning,
    ReadBudget,
    SourceMap,
    read_meant_document,
    relocate,
)


@dataclass(frozen=True)
class Cast:
    """A validated cast and where it lives."""

    spec: CastFile
    base_dir: Path
    path: Path | None = None
    source_map: SourceMap = field(default_factory=SourceMap, compare=False)
    warnings: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()
    """The cast file and every included file, for change detection."""
    skipped: int = 0
    """Outputs left out because a source was missing (a persona file, a transcript)."""
    meanings: dict[Path, Meaning] = field(default_factory=dict, compare=False)
    """What the cast file and each included document say (see ``yamlfile.Meaning``)."""

    @property
    def dist_dir(self) -> Path:
        return self.base_dir / self.spec.dist

    @property
    def state_dir(self) -> Path:
        return self.base_dir / ".facebuild"

    @property
    def store_dir(self) -> Path:
        return self.base_dir / self.spec.store if self.spec.store else self.state_dir / "store"

    @property
    def lock_path(self) -> Path:
        stem = self.path.stem if self.path is not None else "cast"
        return self.base_dir / f"{stem}.lock"

    def character(self, character_id: str) -> Character:
        for character in self.spec.characters:
            if character.id == character_id:
                return character
        raise KeyError(character_id)

    def variants_of(self, character: Character) -> list[str]:
        if character.variants is None:
            return list(self.spec.variants)
        return list(character.variants)


def load_cast(path: str | Path, *, privacy: str | None = None) -> Cast:
    """Read, validate and return the cast at ``path``. ``privacy`` (``fail``, ``redact`` or
    ``off``) overrides the cast's ``privacy: {mode: ...}`` for this load (``build --redact``)."""
    cast_path = Path(path)
    source_map = SourceMap()
    budget = ReadBudget()  # the cast and its includes share one cap on bytes read
    data, meaning = read_meant_document(cast_path, source_map, budget=budget)
    meanings = {cast_path: meaning}
    if not isinstance(data, dict):
        raise CastError("a cast file must be a mapping of keys (version, name, world, ...)",
                        location=Location(cast_path, 1))
    data = as_cast_data(data, cast_path, source_map)  # an ai_facegen config, converted
    _check_version(data, cast_path, source_map)
    base_dir = cast_path.parent
    sources = [cast_path, *_merge_includes(data, base_dir, source_map, meanings, budget)]
    personas = expand(data, base_dir, privacy=privacy)  # personas: and transcripts: too
    spec = validate(data, source_map)
    errors, warnings = check_semantics(spec, base_dir, source_map)
    errors += check_dist(spec.dist, base_dir, source_map)
    if errors:
        raise CastErrors(errors)
    if personas is not None:
        sources += personas.files
        warnings = [*personas.warnings, *warnings]
    if spec.privacy.mode == "off":
        warnings.append(f"{source_map.find(('privacy', 'mode'))}: privacy: the guard is off: "
                        "prompts are not checked for personal data")
    skipped = personas.skipped if personas is not None else 0
    return Cast(spec, base_dir, cast_path, source_map, tuple(warnings), tuple(sources), skipped,
                meanings)


def cast_from_data(data: dict[str, Any], base_dir: Path) -> Cast:
    """Validate a cast given as Python data (no file); for the library API."""
    source_map = SourceMap()
    fill_missing_ids(data)
    spec = validate(data, source_map)
    errors, warnings = check_semantics(spec, base_dir, source_map)
    if errors:
        raise CastErrors(errors)
    return Cast(spec, base_dir, None, source_map, tuple(warnings))


def _check_version(data: dict[str, Any], path: Path, source_map: SourceMap) -> None:
    if "version" not in data:
        raise CastError("missing required key 'version'", location=Location(path, 1),
                        key="version", hint="add 'version: 1' at the top")
    if data["version"] != 1:
        raise CastError(f"unsupported cast version {shown(data['version'])}",
                        location=source_map.find(("version",)), key="version",
                        hint="this facebuild reads version 1")


def _merge_includes(data: dict[str, Any], base_dir: Path, source_map: SourceMap,
                    meanings: dict[Path, Meaning], budget: ReadBudget) -> list[Path]:
    """Append the characters of every included file to ``data['characters']``."""
    includes = data.get("include") or []
    if not isinstance(includes, list):
        return []  # the schema check reports the wrong type
    characters = data.setdefault("characters", [])
    if not isinstance(characters, list):
        return []
    included: list[Path] = []
    for index, pattern in enumerate(includes):
        if not isinstance(pattern, str):
            continue
        where, key = source_map.find(("include", index)), f"include[{index}]"
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:  # '/**' would walk the disk
            raise CastError(f"include {shown(pattern)} points outside the cast's folder", location=where,
                            key=key, hint="include files that lie beside the cast or below it")
        matches = sorted(glob.glob(str(base_dir / pattern), recursive=True))
        if not matches:
            raise CastError(f"include {shown(pattern)} matches no file", location=where, key=key,
                            hint="check the path; it is relative to the cast file")
        for match in matches:
            file = Path(match)
            if not file.resolve().is_relative_to(base_dir.resolve()):
                raise CastError(f"include {shown(pattern)} matches a link out of the cast's folder",
                                location=where, key=key, hint=f"{file.name} is a link; copy the file")
            prefix: KeyPath = ("<include>", str(file))
            document, meanings[file] = read_meant_document(file, source_map, prefix, budget)
            for entry, entry_path in _characters_in(document, file, prefix):
                relocate(source_map, entry_path, ("characters", len(characters)))
                characters.append(entry)
            included.append(file)
    return included


def _characters_in(document: Any, file: Path, prefix: KeyPath) -> list[tuple[Any, KeyPath]]:
    """The characters of an included file, each with its key path in the source map."""
    if isinstance(document, list):
        return [(entry, prefix + (i,)) for i, entry in enumerate(document)]
    if isinstance(document, dict) and isinstance(document.get("characters"), list):
        return [(entry, prefix + ("characters", i)) for i, entry in enumerate(document["characters"])]
    if isinstance(document, dict):
        return [(document, prefix)]
    raise CastError("an included file must hold a character, a list of characters or "
                    "a 'characters:' list", location=Location(file, 1))
