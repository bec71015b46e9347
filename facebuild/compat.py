"""Sources written for the earlier ai_facegen library, read as casts.

Its JSON config is ``{"world": {...}, "characters": [...], "variants": [{"name", "size",
"prompt_frame"}]}`` with no ``version``; its characters have a name but no id.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from facebuild.errors import CastError
from facebuild.yamlfile import SourceMap, relocate


def is_ai_facegen_config(data: dict[str, Any]) -> bool:
    return "version" not in data and isinstance(data.get("variants"), list)


def from_ai_facegen(data: dict[str, Any], path: Path, source_map: SourceMap) -> dict[str, Any]:
    """The cast-shaped data of an ai_facegen config (line marks follow the variants)."""
    variants: dict[str, Any] = {}
    for index, entry in enumerate(data["variants"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) \
                or not entry["name"].strip():
            what = "has no \"name\"" if isinstance(entry, dict) else "is not an object"
            raise CastError(f"this variant {what}", location=source_map.find(("variants", index)),
                            key=f"variants[{index}]",
                            hint='give each variant a name, e.g. {"name": "icon", "size": 64}')
        name = entry["name"]
        converted = {k: v for k, v in entry.items() if k not in ("name", "prompt_frame")}
        converted.setdefault("size", 256)
        if "prompt_frame" in entry:
            converted["frame"] = entry["prompt_frame"]
        if "derive_from" in converted:
            converted["from"] = converted.pop("derive_from")
        relocate(source_map, ("variants", index), ("variants", name))
        variants[name] = converted
    rest = {k: v for k, v in data.items() if k != "variants"}
    return {"version": 1, "name": path.stem, **rest, "variants": variants}


def fill_missing_ids(data: dict[str, Any]) -> None:
    """ai_facegen characters have no id: use the slug of the name."""
    characters = data.get("characters")
    if not isinstance(characters, list):
        return
    for entry in characters:
        if isinstance(entry, dict) and "id" not in entry and isinstance(entry.get("name"), str):
            from facebuild.specs import slugify  # the library's specs, only for such a character

            entry["id"] = slugify(entry["name"])


def safe_file_name(name: str) -> str:
    """'Tessa Quark' -> 'tessa_quark', as ai_facegen named files; accents are dropped
    ('É' -> 'e') and only ASCII letters, digits, '_' and '-' remain, so a name can never
    make a path."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\s+", "_", text.strip())
    return re.sub(r"[^a-z0-9_-]", "", text).strip("_-")[:100]
