"""facebuild generate: ai_facegen's command over facebuild's engine.

``facebuild generate config.json -o OUT`` builds an ai_facegen JSON config (or any cast)
into OUT with ai_facegen's file names, ``{name}_{variant}.png`` and
``{name}_{variant}_{i}.png`` for ``--count``; incremental like ``build``, with the lock
beside the config and renders in the user cache (or ``--cache-dir``).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from facebuild.caches import default_cache_dir
from facebuild.cast import Cast, load_cast
from facebuild.castfile import Character
from facebuild.commands.options import NO_OVERRIDES, Overrides
from facebuild.errors import CastError, Location, UsageError
from facebuild.keys import derive_seed
from facebuild.specs import slugify

OUTPUT = "{name}_{variant}.{format}"
MAX_CHARACTER_FILE = 1_000_000
"""Bytes read at most from one --characters file."""


@dataclass(frozen=True)
class Generation:
    """What ``generate`` makes of a config: where to (``output``), with which extra
    character files or folders, how many images per variant and from which seed."""

    output: Path = Path(".")
    characters: tuple[Path, ...] = ()
    seed: int | None = None
    count: int = 1


ONE_EACH = Generation()
"""One image per variant, into the current folder."""


def generate(config: Path, generation: Generation = ONE_EACH, *,
             cache_dir: Path | None = None, no_cache: bool = False,
             max_cost: float | None = None, jobs: int | None = None,
             output_format: str = "auto", quiet: bool = False,
             overrides: Overrides = NO_OVERRIDES) -> int:
    """Build the ai_facegen config (or cast) at ``config`` into ``generation.output``;
    renders are kept in ``cache_dir`` (default: the user cache), or nowhere with
    ``no_cache``."""
    from facebuild.builder import Builder
    from facebuild.commands.build import make_reporter
    from facebuild.commands.common import backend_for
    from facebuild.planner import plan

    if generation.count < 1:
        raise UsageError(f"--count must be at least 1, got {generation.count}")
    if not config.is_file():
        raise UsageError(f"{config}: no such config file (ai_facegen's `init-config` output, "
                         "or a cast)")
    with tempfile.TemporaryDirectory(prefix="facebuild-nocache-") as scratch:
        store = Path(scratch) if no_cache else (cache_dir or default_cache_dir())
        cast = generation_cast(load_cast(config), generation, store.resolve(), config)
        options = {"name": overrides.backend or _backend_name(cast), "model": overrides.model,
                   "region": overrides.region, "profile": overrides.profile}
        the_plan = plan(cast, backend_for(cast, options))
        report = Builder(the_plan, make_reporter(output_format, quiet=quiet)).run(
            None, force=False, jobs=jobs, dry_run=False, max_cost=max_cost, confirm=None)
    return 0 if report.ok else 1


def _backend_name(cast: Cast) -> str:
    """ai_facegen configs have no backend: they meant Bedrock."""
    return cast.spec.backend.name if "backend" in cast.spec.model_fields_set else "bedrock"


def generation_cast(cast: Cast, generation: Generation, store: Path, config: Path) -> Cast:
    """The cast with --characters added, OUT as dist, ai_facegen's file names, and one
    variant per image of a --count (``icon_1``, ``icon_2``, ...) with its own seed."""
    characters = [*cast.spec.characters]
    for path in generation.characters:
        characters += [_character(file) for file in _character_files(path)]
    if not characters:
        raise UsageError(f"{config}: no characters (add them to the config or pass "
                         "--characters FILE)")
    spec = cast.spec.model_copy(update={
        "characters": [_with_seeds(c, cast, generation) for c in characters],
        "variants": _counted(cast.spec.variants, generation.count),
        "dist": _relative(generation.output.resolve(), cast.base_dir.resolve()),
        "output": OUTPUT,
        "store": str(store),
    })
    return replace(cast, spec=spec)


def _counted(variants: dict[str, Any], count: int) -> dict[str, Any]:
    if count == 1:
        return dict(variants)
    counted = {}
    for name, variant in variants.items():
        for i in range(1, count + 1):
            source = f"{variant.from_}_{i}" if variant.from_ else None
            counted[f"{name}_{i}"] = variant.model_copy(update={"from_": source, "candidates": 1})
    return counted


def _with_seeds(character: Character, cast: Cast, generation: Generation) -> Character:
    """--seed S sends S for every variant (S + i - 1 for image i of a count); a count
    without --seed gives image i its own seed derived from the cast's."""
    names = character.variants if character.variants is not None else list(cast.spec.variants)
    seed, count = generation.seed, generation.count
    if seed is None and count == 1:
        return character
    seeds: dict[str, int] = {}
    for name in names:
        base = seed if seed is not None else derive_seed(cast.spec.seed, character.id, name)
        for i in range(1, count + 1):
            seeds[name if count == 1 else f"{name}_{i}"] = base + i - 1
    update: dict[str, Any] = {"seeds": seeds, "seed": None}
    if count > 1 and character.variants is not None:
        update["variants"] = [f"{n}_{i}" for n in character.variants for i in range(1, count + 1)]
    return character.model_copy(update=update)


def _character_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.json"))
    if path.is_file():
        return [path]
    raise UsageError(f"--characters {path}: no such file or folder")


def _character(path: Path) -> Character:
    """One ai_facegen character file: ``{"name", "role", "description"}``."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_CHARACTER_FILE + 1)
    if len(raw) > MAX_CHARACTER_FILE:
        raise CastError(f"larger than {MAX_CHARACTER_FILE} bytes", location=Location(path))
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise CastError(f"not valid JSON: {exc.args[0] if exc.args else exc}",
                        location=Location(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"].strip():
        raise CastError("a character file needs a \"name\" (text)", location=Location(path),
                        hint='e.g. {"name": "Tessa Quark", "role": "Digger", "description": "..."}')
    fields = {k: data[k] for k in ("role", "description", "traits") if k in data}
    entry = {"id": data.get("id") or slugify(data["name"]), "name": data["name"], **fields}
    try:
        return Character.model_validate(entry)
    except ValueError as exc:
        raise CastError(f"not a character: {str(exc).splitlines()[0]}", location=Location(path)) from None


def _relative(out: Path, base: Path) -> str:
    try:
        return os.path.relpath(out, base) if out.is_relative_to(base) else str(out)
    except ValueError:
        return str(out)
