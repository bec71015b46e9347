"""Persona characters in a cast: the default avatar and backdrop variants, and the hook
``load_cast`` calls for a cast with ``personas:`` (and ``transcripts:``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facebuild.personas.characters import AVATAR, BACKDROP, Personas, load_personas
from facebuild.privacy import Guard, guard_for

AVATAR_FRAME = ("A single person, centred, head and shoulders, facing the camera, "
                "in front of a solid green background")
BACKDROP_FRAME = "Wide establishing shot of an empty scene with no people"


def default_variants(avatar_options: dict[str, Any] | None = None,
                     backdrop_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """``avatar`` (1024x1024, solid green backdrop) and ``backdrop`` (1368x768, no people),
    written under ``{call}/{speaker}/`` and ``backdrops/``."""
    return {
        AVATAR: {"size": 1024, "frame": AVATAR_FRAME, "template": "avatar.j2",
                 "output": "{call}/{speaker}/avatar.{format}",
                 "negative": "extra figures, two heads, text, watermark, logo, busy background",
                 "options": dict(avatar_options or {})},
        BACKDROP: {"size": [1368, 768], "frame": BACKDROP_FRAME, "template": "backdrop.j2",
                   "output": "backdrops/{call}.{format}",
                   "negative": "people, person, face, crowd, text, watermark",
                   "options": dict(backdrop_options or {})},
    }


def add_personas(data: dict[str, Any], base_dir: Path) -> Personas | None:
    """Add the persona characters of ``data['personas']`` to ``data['characters']`` (a
    character of the cast with the same id is laid over its persona character: its keys
    win), and the default ``avatar`` / ``backdrop`` variants the cast does not define.
    Paths are relative to the cast's folder; persona and transcript files must lie in the
    manifest's run folder or a folder of ``persona_roots``. None when the cast has no
    personas."""
    manifest, root = data.get("personas"), data.get("transcripts")
    if not isinstance(manifest, str) or not manifest:
        return None  # absent, or the schema reports the wrong type
    roots = data.get("persona_roots")
    allowed = [base_dir / r for r in roots if isinstance(r, str) and r] if isinstance(roots, list) else []
    found = load_personas(base_dir / manifest,
                          transcript_root=base_dir / root if isinstance(root, str) and root else None,
                          guard=_guard(data.get("privacy"), base_dir), allowed=allowed,
                          allow_hint="persona_roots: [DIR] in the cast")
    characters = data.setdefault("characters", [])
    variants = data.setdefault("variants", {})
    if not isinstance(characters, list) or not isinstance(variants, dict):
        return found
    for name, variant in default_variants().items():
        variants.setdefault(name, variant)
    index = {c.get("id"): i for i, c in enumerate(characters) if isinstance(c, dict)}
    for character in found.characters:
        if character["id"] in index:
            position = index[character["id"]]
            characters[position] = {**character, **characters[position]}
        else:
            characters.append(character)
    return found


def _guard(privacy: Any, base_dir: Path) -> Guard:
    """The cast's privacy guard, from its raw ``privacy:`` (the schema reports a bad one;
    until then the default ``fail`` applies)."""
    settings = privacy if isinstance(privacy, dict) else {}
    mode = "off" if settings.get("mode") is False else settings.get("mode")  # YAML's off
    deny = settings.get("deny")
    return guard_for(mode if mode in ("fail", "redact", "off") else "fail",
                     base_dir / deny if isinstance(deny, str) and deny else None)
