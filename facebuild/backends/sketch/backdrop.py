"""The background behind a character: a vertical gradient and a few soft shapes."""

from __future__ import annotations

import math
import random

from PIL import Image

from facebuild.backends.sketch.figure import feet_line
from facebuild.backends.sketch.head import Head
from facebuild.backends.sketch.lexicon import RGB
from facebuild.backends.sketch.palette import Look, mix, scale
from facebuild.backends.sketch.pen import Pen, Poly, oval


def gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    """A new image filled with a top-to-bottom gradient: one short column, stretched
    (stretching is cheaper than filling the canvas and pasting onto it)."""
    column = Image.new("RGB", (1, 256))
    column.putdata([mix(top, bottom, y / 255) for y in range(256)])
    column = column.resize((1, size[1]), Image.Resampling.BILINEAR)
    return column.resize(size, Image.Resampling.NEAREST)


def draw_backdrop(size: tuple[int, int], look: Look, decoration: str, neon: bool, framing: str,
                  h: Head, rng: random.Random) -> Image.Image:
    """A new canvas with the background drawn on it."""
    image = gradient(size, look.bg_top, look.bg_bottom)
    pen = Pen(image, look.ink, 1)
    width, height = image.size
    deco = look.bg_deco
    if neon:
        horizon = height * 0.62
        pen.fill(oval(h.cx, horizon, 2.6 * h.r), mix(look.bg_top, look.accent, 0.6))
        pen.fill(Poly(((0, horizon), (width, horizon), (width, height), (0, height))),
                 scale(look.bg_bottom, 0.6))
        line = max(2.0, h.r * 0.03)
        for k in range(-12, 13):
            pen.stroke([(h.cx + k * h.r * 0.5, horizon), (h.cx + k * h.r * 2.5, height)],
                       look.accent, line)
        y: float = horizon
        while y < height:
            pen.stroke([(0, y), (width, y)], look.accent, line)
            y += (y - horizon) * 0.35 + h.r * 0.12
    elif decoration == "halo":
        for radius, t in ((2.6, 0.35), (2.0, 0.6), (1.5, 0.85)):
            pen.fill(oval(h.cx, h.cy, radius * h.r), mix(look.bg_top, deco, t))
    elif decoration == "dots":
        for _ in range(14):
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            pen.fill(oval(x, y, rng.uniform(0.1, 0.6) * h.r), mix(look.bg_top, deco, 0.7))
    elif decoration == "rays":
        reach = 2 * math.hypot(width, height)
        for k in range(0, 16, 2):
            a0, a1 = math.radians(k * 22.5), math.radians((k + 1) * 22.5)
            pen.fill(Poly(((h.cx, h.cy), (h.cx + reach * math.cos(a0), h.cy + reach * math.sin(a0)),
                           (h.cx + reach * math.cos(a1), h.cy + reach * math.sin(a1)))),
                     mix(look.bg_top, deco, 0.45))
    else:
        step = h.r * 0.9
        x = -float(height)
        while x < width:
            pen.fill(Poly(((x, height), (x + step * 0.45, height), (x + step * 0.45 + height, 0),
                           (x + height, 0))), mix(look.bg_top, deco, 0.4))
            x += step
    if framing == "full":
        floor = feet_line(h)
        pen.fill(oval(h.cx, floor, 2.4 * h.r, 0.35 * h.r), mix(look.bg_bottom, look.ink, 0.25))
    return image
