"""The library's specs: plain frozen dataclasses a game pipeline builds from its own data.
They turn into the same cast data that cast.yaml holds, so both go through one engine."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from facebuild.castfile import MAX_SIDE
from facebuild.errors import CastError


class InvalidSpecError(CastError, ValueError):
    """Raised by the specs and ``PortraitClient`` for an empty or impossible spec; also a
    ``ValueError``, as in ai_facegen."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message, key=key)


def slugify(name: str) -> str:
    """'Tessa Quark' -> 'tessa-quark'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@dataclass(frozen=True)
class WorldSpec:
    """The setting every prompt starts from."""

    context: str
    style: str
    negative: str = ""

    def __post_init__(self) -> None:
        if not self.context.strip():
            raise InvalidSpecError("WorldSpec.context must not be empty", key="world.context")
        if not self.style.strip():
            raise InvalidSpecError("WorldSpec.style must not be empty", key="world.style")

    def to_data(self) -> dict[str, Any]:
        return {"context": self.context, "style": self.style, "negative": self.negative}


@dataclass(frozen=True)
class CharacterSpec:
    """One character; ``id`` defaults to the slug of ``name``. ``extra`` reaches templates
    as more fields of ``character``."""

    name: str
    role: str = ""
    description: str = ""
    traits: Sequence[str] = ()
    id: str | None = None
    seed: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidSpecError("CharacterSpec.name must not be empty", key="character.name")
        if not self.slug:
            raise InvalidSpecError(f"cannot make an id from the name {self.name!r}; give id=",
                                   key="character.id")

    @property
    def slug(self) -> str:
        return self.id or slugify(self.name)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {**self.extra, "id": self.slug, "name": self.name,
                                "role": self.role, "description": self.description,
                                "traits": list(self.traits)}
        if self.seed is not None:
            data["seed"] = self.seed
        return data


@dataclass(frozen=True)
class VariantSpec:
    """One image per character: ``size`` is an int (square) or (width, height);
    ``derive_from`` cuts it from another variant's render instead of generating."""

    name: str
    size: int | tuple[int, int]
    prompt_frame: str = ""
    derive_from: str | None = None
    format: str = "png"
    crop: str = "center"
    template: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidSpecError("VariantSpec.name must not be empty", key="variant.name")
        sides = (self.size, self.size) if isinstance(self.size, int) else tuple(self.size)
        if len(sides) != 2 or any(not 0 < side <= MAX_SIDE for side in sides):
            raise InvalidSpecError(f"VariantSpec {self.name!r}: size must be 1..{MAX_SIDE} "
                                   f"pixels per side, got {self.size!r}", key="variant.size")

    def to_data(self) -> dict[str, Any]:
        size = self.size if isinstance(self.size, int) else list(self.size)
        data: dict[str, Any] = {"size": size, "frame": self.prompt_frame,
                                "format": self.format, "crop": self.crop}
        if self.derive_from:
            data["from"] = self.derive_from
        if self.template:
            data["template"] = self.template
        return data


def cast_data(world: WorldSpec, characters: Sequence[CharacterSpec],
              variants: Sequence[VariantSpec], *, seed: int = 0,
              name: str = "library") -> dict[str, Any]:
    """The cast.yaml-shaped data for these specs."""
    return {
        "version": 1,
        "name": name,
        "world": world.to_data(),
        "seed": seed,
        "variants": {v.name: v.to_data() for v in variants},
        "characters": [c.to_data() for c in characters],
    }
