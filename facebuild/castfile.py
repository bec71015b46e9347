"""The cast.yaml schema, declared once: typed models with a docstring per field.

``facebuild schema`` publishes it as JSON Schema for editors; ``facebuild.cast`` loads
and checks files against it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_SIDE = 4096


def _parse_size(value: Any) -> tuple[int, int]:
    """``256`` -> (256, 256); ``[1368, 768]`` -> (1368, 768). Range is checked later,
    with the cast's line numbers."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return (value[0], value[1])
    raise ValueError("expected an int (square) or [width, height]")


Size = Annotated[
    tuple[int, int],
    BeforeValidator(_parse_size),
    WithJsonSchema(
        {
            "description": "Output size in pixels: an int for a square, or [width, height].",
            "oneOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_SIDE},
                {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": MAX_SIDE},
                    "minItems": 2,
                    "maxItems": 2,
                },
            ],
        }
    ),
]


def _no_items() -> list[Any]:
    """A new empty list: the default of the list fields. Not ``list`` itself: pydantic
    reads the signature of a default factory, and the builtin's costs 2 ms to read (it
    compiles the tokenizer's patterns), as much as two of these models."""
    return []


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class World(_Strict):
    """The setting every prompt starts from."""

    context: str = Field("", description="Lore: the world, its places and people.")
    style: str = Field("", description="Art direction shared by every image.")
    negative: str = Field("", description="What no image should show (negative prompt).")


class BackendConfig(BaseModel):
    """Which image backend renders the cast, and its options (checked by the backend)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field("sketch", description="sketch (offline, default), bedrock or comfyui.")


class Variant(_Strict):
    """One kind of image every character gets (icon, bust, full body, backdrop)."""

    size: Size
    frame: str = Field("", description="Framing text, e.g. 'Head and shoulders portrait'.")
    template: str | None = Field(
        None, description="Prompt template for this variant (default: the cast's template)."
    )
    format: Literal["png", "webp"] = Field("png", description="Output file format.")
    crop: Literal["center", "top"] = Field(
        "center", description="Where to crop a render whose aspect differs from the output."
    )
    from_: str | None = Field(
        None,
        alias="from",
        description="Derive this variant from another variant's render: no generation.",
    )
    negative: str = Field("", description="Added to the negative prompt of this variant.")
    options: dict[str, Any] = Field(
        default_factory=dict, description="Backend options for this variant only."
    )
    background: Literal["keep", "transparent"] = Field(
        "keep",
        description="transparent: key out a solid green backdrop into an RGBA PNG "
        "(post-processing, no generation).",
    )
    output: str | None = Field(
        None, description="Output path pattern for this variant (default: the cast's output); "
        "fields: {character}, {variant}, {format} and any character key whose value is a slug.",
    )
    candidates: int = Field(
        1, ge=1, le=16, description="Render this many seeds; 'facebuild pick' chooses one."
    )
    render_size: Size | None = Field(
        None, description="Generate at this size, then crop and scale to size (default: the "
        "backend's rule; ComfyUI: about one megapixel at the output's aspect ratio).",
    )
    seed: int | None = Field(
        None, description="Seed of this variant for every character, instead of the "
        "character's own seed (which every variant shares by default)."
    )
    reference: str | None = Field(
        None, description="Render this variant from another variant's render (image-to-image, "
        "image variation, a LoadImage node): a change to that render re-renders this one.",
    )
    strength: float | None = Field(
        None, ge=0.0, le=1.0, description="How far the render may move from its reference: "
        "0 keeps it, 1 ignores it (default 0.5).",
    )


def _off_is_off(value: Any) -> Any:
    """YAML 1.1 reads a bare ``off`` as ``false``: mean the word."""
    return "off" if value is False else value


class Privacy(_Strict):
    """The guard that scans every prompt for personal data before any generation."""

    mode: Annotated[Literal["fail", "redact", "off"], BeforeValidator(_off_is_off)] = Field(
        "fail", description="fail: a hit fails that target; redact: replace and build; off."
    )
    deny: str | None = Field(
        None, description="A file of terms (one a line) that must never reach a prompt."
    )


class Character(BaseModel):
    """One member of the cast. Extra keys are passed to the templates as they are."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(
        description="Slug used in file names: lowercase letters, digits and '-'.",
        json_schema_extra={"pattern": SLUG_PATTERN},
    )
    name: str = Field(description="Display name.")
    role: str = ""
    description: str = ""
    traits: list[str] = Field(default_factory=_no_items)
    variants: list[str] | None = Field(
        None, description="Only these variants (default: all of the cast's variants)."
    )
    seed: int | None = Field(None, description="Seed for every variant of this character.")
    seeds: dict[str, int] = Field(
        default_factory=dict, description="Seed per variant, e.g. {bust: 1234}."
    )
    negative: str = Field("", description="Added to the negative prompt of this character.")
    style: str = Field("", description="Added to the world's style for this character.")
    options: dict[str, Any] = Field(
        default_factory=dict, description="Backend options for this character only."
    )
    reference: str | None = Field(
        None, description="An image file (inside the cast's folder) every variant of this "
        "character is rendered from, unless the variant names a reference of its own.",
    )


class CastFile(_Strict):
    """A cast.yaml file."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="facebuild cast",
        json_schema_extra={"$id": "https://facebuild.dev/cast.schema.json"},
    )

    version: Literal[1] = Field(description="Cast file format version; 1.")
    name: str = Field(description="Name of the cast (the game or project).")
    world: World = Field(default_factory=lambda: World())
    backend: BackendConfig = Field(default_factory=lambda: BackendConfig())
    seed: int = Field(0, description="Base seed; each target's seed is derived from it.")
    seed_scope: Literal["character", "variant"] = Field(
        "character",
        description="character: every variant of a character shares one derived seed (one "
        "identity); variant: each variant has its own (the rule before one identity).",
    )
    dist: str = Field("dist", description="Output folder, relative to the cast file.")
    output: str = Field(
        "{character}/{variant}.{format}",
        description="Output path pattern inside dist: {character}, {variant}, {format}.",
    )
    template: str = Field("portrait.j2", description="Default prompt template.")
    store: str | None = Field(
        None, description="Render store: a folder (default .facebuild/store beside the cast), or "
        "s3://bucket/prefix, a store shared through S3 with the folder as its local cache."
    )
    max_cost: float | None = Field(
        None, description="Refuse to build when the estimated cost in USD is higher."
    )
    privacy: Privacy = Field(default_factory=lambda: Privacy())
    personas: str | None = Field(
        None, description="A persona_manifest.json whose speakers become characters."
    )
    transcripts: str | None = Field(
        None, description="The speakers/ folder of transcripts that go with 'personas'."
    )
    persona_roots: list[str] = Field(
        default_factory=_no_items,
        description="More folders persona and transcript files may lie in, besides the run "
        "folder of 'personas' (relative to the cast).",
    )
    variants: dict[str, Variant] = Field(description="Variant name -> variant.")
    characters: list[Character] = Field(default_factory=_no_items)
    include: list[str] = Field(
        default_factory=_no_items,
        description="More character files (YAML or JSON), paths or globs relative to the cast, "
        "inside its folder.",
    )
