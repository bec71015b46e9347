"""Cartoon drawing primitives over ``ImageDraw``: filled shapes with one clean outline
around their union, strokes with round caps, and a few geometry helpers.

The drawing is made at a multiple of the output size and scaled down, which is where the
anti-aliasing comes from: ``ImageDraw`` itself draws hard edges.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from PIL import Image, ImageDraw

from facebuild.backends.sketch.lexicon import RGB

Point = tuple[float, float]
Box = tuple[float, float, float, float]


class Ellipse(NamedTuple):
    box: Box


class RoundRect(NamedTuple):
    box: Box
    radius: float


class Poly(NamedTuple):
    points: tuple[Point, ...]


Shape = Ellipse | RoundRect | Poly


def oval(cx: float, cy: float, rx: float, ry: float | None = None) -> Ellipse:
    return Ellipse((cx - rx, cy - (rx if ry is None else ry), cx + rx,
                    cy + (rx if ry is None else ry)))


def arc_points(cx: float, cy: float, rx: float, ry: float, start: float, end: float,
               n: int = 24) -> list[Point]:
    """Points on an ellipse from ``start`` to ``end`` degrees (0 = right, 90 = down)."""
    out = []
    for i in range(n + 1):
        a = math.radians(start + (end - start) * i / n)
        out.append((cx + rx * math.cos(a), cy + ry * math.sin(a)))
    return out


def limb(a: Point, b: Point, width: float) -> list[Shape]:
    """A rounded bar from ``a`` to ``b``: an arm, a leg, a strap."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length * width / 2, dx / length * width / 2
    quad = ((a[0] + nx, a[1] + ny), (b[0] + nx, b[1] + ny), (b[0] - nx, b[1] - ny),
            (a[0] - nx, a[1] - ny))
    return [Poly(quad), oval(a[0], a[1], width / 2), oval(b[0], b[1], width / 2)]


class Pen:
    """Draws on one image with one ink colour and one line width (in canvas pixels)."""

    def __init__(self, image: Image.Image, ink: RGB, line: float) -> None:
        self.draw = ImageDraw.Draw(image)
        self.ink = ink
        self.line = max(1.0, line)

    def blob(self, shapes: Sequence[Shape], fill: RGB, outline: bool = True,
             line: float | None = None) -> None:
        """Fill the union of ``shapes``; the outline goes around the union only."""
        if outline:
            for shape in shapes:
                self._paint(shape, self.ink, self.line if line is None else line)
        for shape in shapes:
            self._paint(shape, fill, 0.0)

    def fill(self, shape: Shape, colour: RGB) -> None:
        self._paint(shape, colour, 0.0)

    def stroke(self, points: Sequence[Point], colour: RGB | None = None,
               width: float | None = None) -> None:
        """A polyline with round joints and caps."""
        w = self.line if width is None else max(1.0, width)
        c = self.ink if colour is None else colour
        self.draw.line(list(points), fill=c, width=round(w), joint="curve")
        for p in (points[0], points[-1]):
            self.dot(p, w / 2, c)

    def ring(self, shape: Ellipse | RoundRect, colour: RGB, width: float) -> None:
        """Only the outline of ``shape``, drawn inside its box: a lens frame."""
        w = max(1, round(width))
        if isinstance(shape, Ellipse):
            self.draw.ellipse(shape.box, outline=colour, width=w)
        else:
            self.draw.rounded_rectangle(shape.box, radius=shape.radius, outline=colour, width=w)

    def dot(self, p: Point, radius: float, colour: RGB) -> None:
        self.draw.ellipse((p[0] - radius, p[1] - radius, p[0] + radius, p[1] + radius),
                          fill=colour)

    def _paint(self, shape: Shape, colour: RGB, grow: float) -> None:
        if isinstance(shape, Ellipse):
            x0, y0, x1, y1 = shape.box
            self.draw.ellipse((x0 - grow, y0 - grow, x1 + grow, y1 + grow), fill=colour)
        elif isinstance(shape, RoundRect):
            x0, y0, x1, y1 = shape.box
            radius = min(shape.radius + grow, (x1 - x0) / 2 + grow, (y1 - y0) / 2 + grow)
            self.draw.rounded_rectangle((x0 - grow, y0 - grow, x1 + grow, y1 + grow),
                                        radius=max(0.0, radius), fill=colour)
        else:
            points = list(shape.points)
            self.draw.polygon(points, fill=colour)
            if grow:
                self.draw.line([*points, points[0]], fill=colour, width=round(2 * grow),
                               joint="curve")
                self.dot(points[0], grow, colour)
