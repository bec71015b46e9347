"""The consistency options of a request body: names, allowed values, reference images.

They may be set on the backend (``backend: {style: ...}``) or per character or variant
(``options:``), and are checked against the model before any call.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from facebuild.backends.bedrock.catalog import ModelSpec

BODY_OPTIONS = (
    "cfg_scale",
    "colors",
    "image",
    "images",
    "quality",
    "similarity_strength",
    "steps",
    "strength",
    "style",
)
HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MAX_COLORS = 10
MAX_IMAGES = 5
TITAN_MAX_REFERENCE_SIDE = 1408  # [TITAN] input image longer side
STABILITY_MIN_REFERENCE_SIDE = 64  # [SD35]
STABILITY_DEFAULT_STRENGTH = 0.35  # Ultra's documented default; sent explicitly everywhere
DEFAULT_SIMILARITY = 0.7  # Titan's documented default; Nova documents none
MAX_BODY_BYTES = 25_000_000  # invoke_model body limit [BOTOCORE]


def snake_case(key: str) -> str:
    """``similarityStrength`` -> ``similarity_strength``, so both spellings work."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


@dataclass(frozen=True)
class ImageInfo:
    sha256: str
    width: int
    height: int
    format: str
    size: int
    """Bytes in the file."""


class References:
    """Reference image files, read once per content: digest, size and format."""

    def __init__(self) -> None:
        self._cache: dict[tuple[Path, int, int], ImageInfo] = {}
        self._lock = threading.Lock()

    def info(self, path: Path) -> ImageInfo:
        """Raises ``OSError`` when the file is missing or not an image."""
        stat = path.stat()
        key = (path, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        data = path.read_bytes()
        with Image.open(path) as img:
            info = ImageInfo(
                hashlib.sha256(data).hexdigest(), img.width, img.height, img.format or "", len(data)
            )
        with self._lock:
            self._cache[key] = info
        return info

    @staticmethod
    def base64(path: Path) -> str:
        return base64.b64encode(path.read_bytes()).decode("ascii")


@dataclass(frozen=True)
class BodyOptions:
    """The consistency options of one request, checked and with paths made absolute."""

    style: str | None = None
    colors: tuple[str, ...] = ()
    image: Path | None = None
    strength: float | None = None
    images: tuple[Path, ...] = ()
    similarity_strength: float | None = None
    cfg_scale: float | None = None
    quality: str | None = None
    steps: int | None = None


class _Problems(Exception):
    pass


def _number(value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _Problems(f"expected a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _path(value: Any, base_dir: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise _Problems(f"expected the path of an image file, got {value!r}")
    path = Path(value).expanduser()
    return path if path.is_absolute() else base_dir / path


def _check_image(path: Path, spec: ModelSpec, refs: References) -> None:
    try:
        info = refs.info(path)
    except OSError as exc:
        raise _Problems(f"cannot read reference image {path}: {exc.strerror or exc}") from None
    formats = {"PNG", "JPEG", "WEBP"} if spec.family == "stability" else {"PNG", "JPEG"}
    if info.format not in formats:
        raise _Problems(f"{path.name} is {info.format or 'unknown'}; use {'/'.join(sorted(formats))}")
    if spec.family == "stability" and min(info.width, info.height) < STABILITY_MIN_REFERENCE_SIDE:
        raise _Problems(f"{path.name} is {info.width}×{info.height}; each side must be ≥ 64 px")
    if spec.family == "titan" and max(info.width, info.height) > TITAN_MAX_REFERENCE_SIDE:
        raise _Problems(f"{path.name} is {info.width}×{info.height}; the longer side must be ≤ 1408")


def check_image(path: Path, spec: ModelSpec, refs: References) -> str:
    """What is wrong with a reference image for ``spec``, or ``""``."""
    try:
        _check_image(path, spec, refs)
    except _Problems as exc:
        return str(exc)
    return ""


def _parse_one(name: str, value: Any, spec: ModelSpec, base_dir: Path, refs: References) -> Any:
    if name == "style":
        match = [s for s in spec.styles if isinstance(value, str) and s.lower() == value.lower()]
        if not match:
            raise _Problems(f"unknown style {value!r}; one of: {', '.join(spec.styles)}")
        return match[0]
    if name == "colors":
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_COLORS:
            raise _Problems(f"expected a list of 1 to {MAX_COLORS} colours like '#AA3322'")
        bad = [c for c in value if not isinstance(c, str) or not HEX_COLOR.match(c)]
        if bad:
            raise _Problems(f"{bad[0]!r} is not a colour like '#AA3322'")
        return tuple(value)
    if name in ("image", "images"):
        values = value if name == "images" and isinstance(value, list) else [value]
        if not 1 <= len(values) <= MAX_IMAGES:
            raise _Problems(f"expected 1 to {MAX_IMAGES} image paths, got {len(values)}")
        paths = tuple(_path(v, base_dir) for v in values)
        for path in paths:
            _check_image(path, spec, refs)
        return paths[0] if name == "image" else paths
    if name == "strength":
        return _number(value, 0.0, 1.0)
    if name == "similarity_strength":
        return _number(value, 0.2, 1.0)
    if name == "cfg_scale":
        return _number(value, *spec.cfg_range)
    if name == "steps":  # 10-50 [SDXL-C]; 10-150 elsewhere is UNCONFIRMED
        if isinstance(value, bool) or not isinstance(value, int) or not 10 <= value <= 50:
            raise _Problems(f"expected a whole number from 10 to 50, got {value!r}")
        return value
    if value not in ("standard", "premium"):  # quality
        raise _Problems(f"expected 'standard' or 'premium', got {value!r}")
    return value


def _combination_problems(opts: BodyOptions, spec: ModelSpec) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if opts.strength is not None and opts.image is None:
        found.append(("strength", "strength needs an image (image-to-image)"))
    if opts.similarity_strength is not None and not opts.images:
        found.append(("similarity_strength", "similarity_strength needs images (variation)"))
    if spec.family in ("titan", "nova-canvas"):
        if opts.images and opts.colors:
            found.append(("colors", "use either images (variation) or colors (palette), not both"))
        if opts.image is not None and not opts.colors:
            found.append(
                (
                    "image",
                    "on Titan and Nova, image is the colour reference: set colors "
                    "too, or use images for a variation",
                )
            )
        if opts.style and (opts.images or opts.colors):
            found.append(("style", "style works only for plain text-to-image, not with images or colors"))
    return found


def parse_body_options(
    raw: Mapping[str, Any], spec: ModelSpec, base_dir: Path, refs: References
) -> tuple[BodyOptions, list[tuple[str, str]]]:
    """Check ``raw`` (snake_case keys) against ``spec``; returns the options and the
    problems as (option name, message) pairs."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for name, value in sorted(raw.items()):
        if name not in spec.options:
            takes = ", ".join(sorted(spec.options)) or "none"
            problems.append((name, f"{spec.id} does not take option '{name}' (takes: {takes})"))
            continue
        try:
            values[name] = _parse_one(name, value, spec, base_dir, refs)
        except _Problems as exc:
            problems.append((name, str(exc)))
    opts = BodyOptions(**values)
    paths = [*opts.images, *([opts.image] if opts.image else [])]
    encoded = sum(refs.info(path).size for path in paths) * 4 // 3
    if encoded > MAX_BODY_BYTES - 100_000:  # room for the prompts
        megabytes = f"{encoded / 1e6:.1f} MB"
        problems.append(
            (
                "images" if opts.images else "image",
                f"the reference images are {megabytes} in base64; a Bedrock request takes at most 25 MB",
            )
        )
    return opts, problems + _combination_problems(opts, spec)
