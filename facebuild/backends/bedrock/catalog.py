"""The Bedrock image models facebuild knows, as data: one row per model.

Every value comes from ``/work/shared/facts/bedrock.md`` (AWS documentation, botocore, moto).
Values the facts mark UNCONFIRMED carry a comment saying so; correct them here and nowhere
else. Adding a model of a known family (``stability``, ``stability-sdxl``, ``titan``,
``nova-canvas``) is one row in ``MODELS``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

Size = tuple[int, int]

# Stability "v2 stable-image" models take an aspect ratio, not a size. The pixel size per
# ratio is Stability's own API mapping [STAB-KB]; on Bedrock it is UNCONFIRMED, so the core
# measures the decoded image instead of trusting these numbers.
STABILITY_ASPECTS: dict[str, Size] = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "21:9": (1536, 640),
    "2:3": (832, 1216),
    "3:2": (1216, 832),
    "4:5": (896, 1088),
    "5:4": (1088, 896),
    "9:16": (768, 1344),
    "9:21": (640, 1536),
}

# Titan Image Generator v1/v2: the 25 allowed (width, height) pairs [TITAN-SIZES]
# (two public copies agree; the AWS table itself was not rendered: high confidence, not verbatim).
TITAN_SIZES: tuple[Size, ...] = (
    (1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
    (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896),
    (576, 448), (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704),
    (1408, 640), (704, 320), (1152, 640), (1173, 640),
)  # fmt: skip

# SDXL 1.0: the nine allowed pairs [SDXL].
SDXL_SIZES: tuple[Size, ...] = (
    (1024, 1024), (1152, 896), (1216, 832), (1344, 768), (1536, 640),
    (640, 1536), (768, 1344), (832, 1216), (896, 1152),
)  # fmt: skip

NOVA_STYLES = (
    "3D_ANIMATED_FAMILY_FILM", "DESIGN_SKETCH", "FLAT_VECTOR_ILLUSTRATION",
    "GRAPHIC_NOVEL_ILLUSTRATION", "MAXIMALISM", "MIDCENTURY_RETRO", "PHOTOREALISM",
    "SOFT_DIGITAL_PAINTING",
)  # fmt: skip
SDXL_STYLES = (
    "3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art", "enhance",
    "fantasy-art", "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk",
    "origami", "photographic", "pixel-art", "tile-texture",
)  # fmt: skip

# Which consistency options each kind of model accepts (see ``options.py`` for their values).
STABILITY_I2I = frozenset({"image", "strength"})
TITAN_V1_OPTIONS = frozenset({"images", "similarity_strength", "cfg_scale", "quality"})
TITAN_V2_OPTIONS = TITAN_V1_OPTIONS | {"colors", "image"}
NOVA_OPTIONS = TITAN_V2_OPTIONS | {"style"}
SDXL_OPTIONS = frozenset({"style", "cfg_scale", "steps"})

TITAN_SEED_MAX = 2_147_483_646
STABILITY_REGIONS = ("us-west-2",)


@dataclass(frozen=True)
class ModelSpec:
    """One Bedrock image model: what it accepts and what it costs."""

    id: str
    family: str
    """Selects the request builder and response parser in ``families.py``."""
    regions: tuple[str, ...]
    """Regions offering on-demand calls; ``check`` refuses others."""
    default_region: str | None
    """Used when neither the cast nor the environment names a region."""
    lifecycle: str
    """``active``, ``legacy`` or ``end-of-life``."""
    price: float
    """Estimated USD per image (on-demand); every price is UNCONFIRMED [PRICES]."""
    max_prompt: int
    max_negative: int
    seed_min: int
    seed_max: int
    sizes: tuple[Size, ...] | None
    """Renderable (width, height) pairs; ``None`` = Nova's rule (``sizes.py``)."""
    min_side: int
    max_side: int
    options: frozenset[str] = frozenset()
    """Consistency options this model accepts, on top of the connection options."""
    styles: tuple[str, ...] = ()
    cfg_range: tuple[float, float] = (0.0, 0.0)
    i2i_mode: bool = False
    """Send ``mode: image-to-image`` with ``image`` (SD3.5; Ultra takes image + strength alone)."""
    base: str = ""
    """For an inference profile or an ARN: the catalogue id of the model it routes to."""
    geography: tuple[str, ...] = ()
    """For a geographic inference profile: region prefixes it can be called from."""


# What every model of a family shares; a row in ``MODELS`` overrides what differs.
_FAMILY_BASE: dict[str, ModelSpec] = {
    "stability": ModelSpec(
        "", "stability", STABILITY_REGIONS, "us-west-2", "active", 0.0,
        max_prompt=10_000, max_negative=10_000,
        seed_min=1,  # Stability treats seed 0 as "random": facebuild always sends a seed >= 1
        seed_max=4_294_967_295, sizes=tuple(STABILITY_ASPECTS.values()),
        min_side=640, max_side=1536,
    ),
    "stability-sdxl": ModelSpec(
        "", "stability-sdxl", (), None, "active", 0.0, max_prompt=2000, max_negative=2000,
        seed_min=1, seed_max=4_294_967_295, sizes=SDXL_SIZES, min_side=640, max_side=1536,
        options=SDXL_OPTIONS, styles=SDXL_STYLES, cfg_range=(0.0, 35.0),
    ),
    "titan": ModelSpec(
        "", "titan", (), None, "active", 0.0, max_prompt=512, max_negative=512,
        seed_min=0, seed_max=TITAN_SEED_MAX, sizes=TITAN_SIZES, min_side=320, max_side=1408,
        options=TITAN_V2_OPTIONS, cfg_range=(1.1, 10.0),
    ),
    "nova-canvas": ModelSpec(
        "", "nova-canvas", (), None, "active", 0.0, max_prompt=1024, max_negative=1024,
        seed_min=0, seed_max=TITAN_SEED_MAX, sizes=None, min_side=320, max_side=4096,
        options=NOVA_OPTIONS, styles=NOVA_STYLES, cfg_range=(1.1, 10.0),
    ),
}  # fmt: skip


def _model(model_id: str, family: str, lifecycle: str, price: float, **changes: Any) -> ModelSpec:
    return replace(_FAMILY_BASE[family], id=model_id, lifecycle=lifecycle, price=price, **changes)


# Prices are USD per image, on-demand, all UNCONFIRMED [PRICES]: correct them here.
MODELS: dict[str, ModelSpec] = {m.id: m for m in (
    # Active, us-west-2 only.
    _model("stability.stable-image-core-v1:1", "stability", "active", 0.04),
    _model("stability.stable-image-ultra-v1:1", "stability", "active", 0.14, options=STABILITY_I2I),
    _model("stability.sd3-5-large-v1:0", "stability", "active", 0.08, options=STABILITY_I2I,
           seed_max=4_294_967_294, i2i_mode=True),
    # Gone from AWS's current model list; end of life UNCONFIRMED ("likely EOL").
    _model("stability.stable-image-core-v1:0", "stability", "end-of-life", 0.04),
    _model("stability.stable-image-ultra-v1:0", "stability", "end-of-life", 0.14,
           options=STABILITY_I2I),
    _model("stability.sd3-large-v1:0", "stability", "end-of-life", 0.08, options=STABILITY_I2I,
           i2i_mode=True),
    # SDXL: $0.04 at <= 50 steps; its regions were us-east-1 and us-west-2 (UNCONFIRMED).
    _model("stability.stable-diffusion-xl-v1", "stability-sdxl", "end-of-life", 0.04,
           regions=("us-east-1", "us-west-2")),
    # Amazon: past end of life per AWS's lifecycle page; kept for accounts that still reach them.
    _model("amazon.titan-image-generator-v2:0", "titan", "end-of-life", 0.008,
           regions=("us-east-1", "us-west-2")),
    # Titan v1: lifecycle UNCONFIRMED (absent from a 2026-01 region tracker); no colours.
    _model("amazon.titan-image-generator-v1", "titan", "end-of-life", 0.008,
           regions=("us-east-1", "us-west-2", "ap-south-1", "eu-west-1", "eu-west-2"),
           options=TITAN_V1_OPTIONS),
    _model("amazon.nova-canvas-v1:0", "nova-canvas", "end-of-life", 0.06,
           regions=("us-east-1", "eu-west-1", "ap-northeast-1")),
)}  # fmt: skip

DEFAULT_MODEL = "stability.stable-image-core-v1:1"

# Geographic inference-profile prefixes and the regions (by prefix) that can call them.
GEO_PREFIXES: dict[str, tuple[str, ...]] = {
    "us": ("us-east-", "us-west-"),
    "us-gov": ("us-gov-",),
    "eu": ("eu-",),
    "apac": ("ap-",),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
    "ca": ("ca-",),
    "global": ("",),
}


def default_model_for(region: str) -> ModelSpec | None:
    """The first active model (catalogue order: cheapest Stability first) offered on
    demand in ``region``, or None where there is none."""
    for spec in MODELS.values():
        if spec.lifecycle == "active" and region in spec.regions:
            return spec
    return None

ALIASES: dict[str, str] = {
    "core": "stability.stable-image-core-v1:1",
    "ultra": "stability.stable-image-ultra-v1:1",
    "sd35": "stability.sd3-5-large-v1:0",
    "sdxl": "stability.stable-diffusion-xl-v1",
    "titan": "amazon.titan-image-generator-v2:0",
    "nova": "amazon.nova-canvas-v1:0",
}
