"""One render, start to finish: read the prompt, draw at a multiple of the output size,
scale down (the anti-aliasing), key a green screen, encode the PNG."""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, PngImagePlugin

from facebuild.backends.sketch.backdrop import draw_backdrop
from facebuild.backends.sketch.features import Features, parse_features
from facebuild.backends.sketch.figure import draw_figure, place_head
from facebuild.backends.sketch.palette import CHROMA_GREEN, Look
from facebuild.backends.sketch.scene import draw_scene
from facebuild.backends.sketch.traits import Traits

_MAX_CANVAS_PIXELS = 4_500_000
"""Supersampling stops here: past it the drawing, not the encoding, would set the time."""


def supersampling(width: int, height: int) -> int:
    """How many canvas pixels per output pixel along a side: 4 for icons, 2 for large
    portraits, 1 for posters."""
    for factor in (4, 3, 2):
        if width * height * factor * factor <= _MAX_CANVAS_PIXELS:
            return factor
    return 1


IDENTITY_KEY = "sketch:identity"
"""The PNG text chunk that carries the seed a portrait's person was drawn from, so that a
render made from it (a reference edge) draws the same person."""


def render(prompt: str, negative: str, seed: int, width: int, height: int,
           identity: int | None = None) -> Image.Image:
    """The drawing for one request, as an RGB image of exactly ``width``×``height``.
    ``identity`` (default: the seed) decides the person: colours and traits."""
    features = parse_features(prompt, negative)
    factor = supersampling(width, height)
    size = (width * factor, height * factor)
    if features.scene:
        return _downscale(draw_scene(size, features, random.Random(seed), factor), width, height,
                          factor)
    canvas = _draw_character(features, seed, size, factor, seed if identity is None else identity)
    small = _downscale(canvas, width, height, factor)
    if not features.green_screen:
        return small
    # A hard matte: every pixel is the key colour or a figure colour, never a blend of
    # the two, so that keying leaves no green fringe.
    matte = small.getchannel("A").point(lambda a: 255 if a >= 128 else 0)
    keyed = Image.new("RGB", (width, height), CHROMA_GREEN)
    keyed.paste(small.convert("RGB"), mask=matte)
    return keyed


def _draw_character(features: Features, seed: int, size: tuple[int, int],
                    factor: int, identity: int) -> Image.Image:
    """One character: its colours and traits from the seed alone (each from a stream of its
    own, so that one cannot shift the other), where it stands and how from the seed and the
    framing. A bust and a full body with one seed show one person."""
    look = Look.choose(features, random.Random(f"{identity}/look"))
    staging = random.Random(f"{seed}/{features.framing}")
    traits = Traits.choose(features, random.Random(f"{identity}/traits"), staging)
    head = place_head(features.framing, size[0], size[1], traits)
    if features.green_screen:
        canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    else:
        canvas = draw_backdrop(size, look, traits.decoration, "neon" in features.moods,
                               features.framing, head, staging)
    draw_figure(canvas, features, traits, look, head, factor)
    return canvas


def _downscale(canvas: Image.Image, width: int, height: int, factor: int) -> Image.Image:
    if factor == 1:
        return canvas
    if width * height <= 128 * 128:  # icons: sharper, and cheap at this size
        return canvas.resize((width, height), Image.Resampling.LANCZOS)
    return canvas.reduce(factor)  # a box filter: several times faster than LANCZOS


def encode_png(image: Image.Image, identity: int | None = None) -> bytes:
    out = io.BytesIO()
    info = None
    if identity is not None:
        info = PngImagePlugin.PngInfo()
        info.add_text(IDENTITY_KEY, str(identity))
    image.save(out, format="PNG", compress_level=3, pnginfo=info)
    return out.getvalue()


def identity_of(reference: bytes) -> int:
    """The person of a reference image: the identity a sketch render records, or for any
    other image a number made from its pixels (one image, one person)."""
    with Image.open(io.BytesIO(reference)) as image:
        recorded = image.info.get(IDENTITY_KEY) if isinstance(image.info, dict) else None
        if isinstance(recorded, str) and recorded.isdigit() and len(recorded) <= 20:
            return int(recorded) % 2**32
        pixels = image.convert("RGB").tobytes()
    return int.from_bytes(hashlib.sha256(pixels).digest()[:4], "big")
