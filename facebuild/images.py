"""From a stored render to an output file: crop to aspect, high-quality downscale,
encode with provenance in the PNG text chunks. Deterministic: same inputs, same bytes."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageChops, PngImagePlugin

from facebuild.errors import BackendError


def decode(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises many types for bad data
        raise BackendError(f"the backend returned bytes that are not an image ({exc})") from exc
    return image


def normalize_render(data: bytes) -> bytes:
    """Store every render as PNG, whatever the backend sent (PNG bytes pass through)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        decode(data)  # reject a truncated PNG before it reaches the store
        return data
    image = decode(data)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def crop_to_aspect(image: Image.Image, width: int, height: int, mode: str) -> Image.Image:
    """The largest box of the output's aspect ratio: centred, or anchored at the top
    (keeps the head of a tall full-body render)."""
    src_w, src_h = image.size
    if src_w * height == src_h * width:
        return image
    if src_w * height > src_h * width:  # too wide: cut the sides
        new_w = round(src_h * width / height)
        left = (src_w - new_w) // 2
        return image.crop((left, 0, left + new_w, src_h))
    new_h = round(src_w * height / width)  # too tall
    top = 0 if mode == "top" else (src_h - new_h) // 2
    return image.crop((0, top, src_w, top + new_h))


def derive(render: bytes | Image.Image, post: Mapping[str, Any],
           metadata: Mapping[str, str]) -> bytes:
    """The output file for ``post`` (size, crop, format) from the raw ``render`` (its
    bytes, or the image already decoded when several outputs share one render)."""
    width, height = post["size"]
    image = decode(render) if isinstance(render, bytes) else render
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    image = crop_to_aspect(image, width, height, post.get("crop", "center"))
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if post.get("background") == "transparent":
        image = key_out_green(image)
    return encode(image, post.get("format", "png"), metadata)


def key_out_green(image: Image.Image, low: int = 40, high: int = 90) -> Image.Image:
    """Chroma key: pixels where green exceeds both red and blue by more than ``high``
    become transparent, by less than ``low`` stay opaque, with a soft edge between; the
    green spill on the kept edge is pulled down to the other channels."""
    red, green, blue = image.convert("RGB").split()
    others = ImageChops.lighter(red, blue)
    greenness = ImageChops.subtract(green, others)
    ramp = [255 if v <= low else 0 if v >= high else round(255 * (high - v) / (high - low))
            for v in range(256)]
    alpha = greenness.point(ramp)
    despilled = ImageChops.darker(green, ImageChops.add(others, Image.new("L", image.size, low)))
    return Image.merge("RGBA", (red, despilled, blue, alpha))


def encode(image: Image.Image, fmt: str, metadata: Mapping[str, str]) -> bytes:
    out = io.BytesIO()
    if fmt == "webp":
        image.save(out, format="WEBP", lossless=True, method=4)
    else:
        info = PngImagePlugin.PngInfo()
        for key, value in metadata.items():
            info.add_itxt(key, value)
        image.save(out, format="PNG", pnginfo=info, compress_level=6)
    return out.getvalue()


def png_text(data: bytes) -> dict[str, str]:
    """The text chunks of a PNG (for tests and ``facebuild explain``)."""
    image = Image.open(io.BytesIO(data))
    return {k: str(v) for k, v in getattr(image, "text", {}).items()}
