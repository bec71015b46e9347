"""The steps between reading a cast's YAML and validating it, each on plain data: an
ai_facegen config given the shape of a cast, the command line's privacy override, and
``personas:`` and ``transcripts:`` turned into characters with their ids filled in.
``facebuild.cast`` reads the YAML and runs them; ``facebuild.cast_checks`` judges the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from facebuild.compat import fill_missing_ids, from_ai_facegen, is_ai_facegen_config
from facebuild.yamlfile import SourceMap

if TYPE_CHECKING:
    from facebuild.personas import Personas


def as_cast_data(data: dict[str, Any], path: Path, source_map: SourceMap) -> dict[str, Any]:
    """The cast-shaped data of a file: an ai_facegen config is converted, a cast is as is."""
    return from_ai_facegen(data, path, source_map) if is_ai_facegen_config(data) else data


def expand(data: dict[str, Any], base_dir: Path, *, privacy: str | None = None) -> Personas | None:
    """After includes: ``privacy`` (``fail``, ``redact``, ``off``) set for this load, the
    personas and transcripts added as characters (through the privacy guard), and every
    character given an id. The personas read, or None when the cast names none."""
    if privacy is not None:
        settings = data.get("privacy")
        data["privacy"] = {**(settings if isinstance(settings, dict) else {}), "mode": privacy}
    personas = None
    if data.get("personas"):  # the persona reader (5 ms to import) only for a cast naming one
        from facebuild.personas import add_personas

        personas = add_personas(data, base_dir)
    fill_missing_ids(data)
    return personas
