"""The head: hair behind it, ears and face shape, the fringe over the forehead, and
whatever is worn on top (hat, helmet)."""

from __future__ import annotations

import math
from typing import NamedTuple

from facebuild.backends.sketch.palette import Look
from facebuild.backends.sketch.pen import Box, Pen, Point, Poly, RoundRect, Shape, arc_points, oval
from facebuild.backends.sketch.traits import Traits

_HAIRLINES: dict[str, tuple[Point, ...]] = {
    "swept": ((-1.0, -0.15), (-0.7, -0.42), (-0.2, -0.62), (0.3, -0.55), (0.75, -0.35),
              (1.0, -0.2)),
    "bangs": ((-1.0, -0.2), (-0.8, -0.38), (-0.55, -0.45), (-0.4, -0.4), (-0.2, -0.47),
              (0.0, -0.42), (0.2, -0.47), (0.4, -0.4), (0.55, -0.45), (0.8, -0.38),
              (1.0, -0.2)),
    "spiky": ((-1.0, -0.2), (-0.75, -0.35), (-0.55, -0.6), (-0.35, -0.38), (-0.1, -0.66),
              (0.15, -0.4), (0.4, -0.65), (0.6, -0.38), (0.85, -0.5), (1.0, -0.2)),
    "parted": ((-1.0, -0.15), (-0.55, -0.5), (-0.05, -0.72), (0.15, -0.9), (0.35, -0.7),
               (0.75, -0.45), (1.0, -0.2)),
}


class Head(NamedTuple):
    """Where the face is: centre and half-sizes in canvas pixels, ``r`` the head unit."""

    cx: float
    cy: float
    rw: float
    rh: float
    r: float
    side: int
    """1 or -1: which way asymmetric things (parting, visor, smirk) face."""

    def at(self, kx: float, ky: float) -> Point:
        return (self.cx + kx * self.rw * self.side, self.cy + ky * self.rh)

    def box(self, kx0: float, ky0: float, kx1: float, ky1: float) -> Box:
        return (self.cx + kx0 * self.rw, self.cy + ky0 * self.rh,
                self.cx + kx1 * self.rw, self.cy + ky1 * self.rh)


def draw_hair_back(pen: Pen, h: Head, t: Traits, look: Look) -> None:
    style = t.hair_style
    if style == "bald":
        return
    bottom = 0.35 if style == "short" else 0.6
    shapes: list[Shape] = [oval(h.cx, h.cy + (bottom - 1.2) / 2 * h.rh, 1.14 * h.rw,
                                (bottom + 1.2) / 2 * h.rh)]
    if style == "long":
        shapes.append(RoundRect(h.box(-1.16, -0.6, 1.16, 2.0), 0.6 * h.rw))
    elif style == "bob":
        shapes.append(RoundRect(h.box(-1.2, -0.5, 1.2, 0.85), 0.45 * h.rw))
    elif style == "ponytail":
        x, y = h.at(1.2, 0.35)
        shapes.append(oval(x, y, 0.32 * h.rw, 0.8 * h.rh))
    elif style == "bun":
        shapes.append(oval(h.cx, h.cy - 1.25 * h.rh, 0.42 * h.rw))
    elif style == "curly":
        for a in range(165, 380, 24):
            x, y = h.cx + 1.1 * h.rw * math.cos(math.radians(a)), h.cy - 0.3 * h.rh
            shapes.append(oval(x, y + 0.95 * h.rh * math.sin(math.radians(a)), 0.3 * h.rw))
    elif style == "spiky":
        for a in range(195, 350, 25):
            base = arc_points(h.cx, h.cy - 0.3 * h.rh, 1.1 * h.rw, 0.88 * h.rh, a - 14, a + 14, 2)
            tip = arc_points(h.cx, h.cy - 0.3 * h.rh, 1.45 * h.rw, 1.2 * h.rh, a, a, 1)[0]
            shapes.append(Poly((base[0], tip, base[-1])))
    pen.blob(shapes, look.hair)
    if style == "ponytail":
        pen.blob([oval(*h.at(1.12, -0.3), 0.13 * h.rw)], look.accent)


def draw_face(pen: Pen, h: Head, t: Traits, look: Look) -> None:
    for side in (-1, 1):
        x, y = h.cx + side * 0.97 * h.rw, h.cy + 0.12 * h.rh
        pen.blob([oval(x, y, 0.2 * h.rw, 0.27 * h.rh)], look.skin)
        pen.stroke(arc_points(x, y, 0.09 * h.rw, 0.14 * h.rh, 100 if side > 0 else -80,
                              260 if side > 0 else 80, 8), look.skin_shade, pen.line * 0.8)
    shapes: list[Shape] = [oval(h.cx, h.cy, h.rw, h.rh)]
    if t.jaw == "square":
        shapes.append(RoundRect(h.box(-0.93, 0.0, 0.93, 1.0), 0.5 * h.rw))
    elif t.jaw == "pointy":
        points = ((-0.88, 0.4), (0.88, 0.4), (0.25, 1.02), (0.0, 1.08), (-0.25, 1.02))
        shapes.append(Poly(tuple(h.at(x, y) for x, y in points)))
    pen.blob(shapes, look.skin)


def draw_fringe(pen: Pen, h: Head, t: Traits, look: Look) -> None:
    if t.hair_style == "bald":
        pen.stroke(arc_points(h.cx, h.cy, 0.72 * h.rw, 0.8 * h.rh, 215, 245, 6),
                   look.eye_white, pen.line * 1.2)
        return
    line = [h.at(x, y) for x, y in _HAIRLINES[t.fringe]]
    if h.side < 0:
        line.reverse()
    top = arc_points(h.cx, h.cy, 1.07 * h.rw, 1.07 * h.rh, 190, 350)
    pen.fill(Poly((*top, *reversed(line))), look.hair)
    pen.stroke(line)
    pen.stroke(arc_points(h.cx, h.cy - 0.3 * h.rh, 0.8 * h.rw, 0.72 * h.rh, 235, 265, 6),
               look.hair_light, pen.line * 1.3)


def draw_hat(pen: Pen, h: Head, t: Traits, look: Look) -> None:
    if t.hat_style == "pointed":
        tip = h.at(0.4, -2.3)
        pen.blob([Poly((h.at(-0.85, -0.6), h.at(0.85, -0.6), tip)),
                  oval(h.cx, h.cy - 0.6 * h.rh, 1.5 * h.rw, 0.2 * h.rh)], look.hat)
        pen.blob([Poly((h.at(-0.8, -0.62), h.at(0.8, -0.62), h.at(0.7, -0.85),
                        h.at(-0.7, -0.85)))], look.accent)
    elif t.hat_style == "brimmed":
        pen.blob([RoundRect(h.box(-0.8, -1.75, 0.8, -0.5), 0.3 * h.rw),
                  oval(h.cx, h.cy - 0.55 * h.rh, 1.6 * h.rw, 0.16 * h.rh)], look.hat)
        pen.blob([RoundRect(h.box(-0.8, -0.9, 0.8, -0.68), 0.05 * h.rw)], look.accent)
    elif t.hat_style == "beanie":
        dome = arc_points(h.cx, h.cy - 0.45 * h.rh, 1.1 * h.rw, 0.95 * h.rh, 180, 360)
        pen.blob([Poly(tuple(dome)), oval(h.cx, h.cy - 1.4 * h.rh, 0.22 * h.rw)], look.hat)
        pen.blob([RoundRect(h.box(-1.15, -0.66, 1.15, -0.38), 0.12 * h.rw)], look.hat_shade)
    else:
        dome = arc_points(h.cx, h.cy - 0.45 * h.rh, 1.1 * h.rw, 0.8 * h.rh, 180, 360)
        x, y = h.at(0.75, -0.47)
        pen.blob([Poly(tuple(dome)), oval(x, y, 0.8 * h.rw, 0.15 * h.rh)], look.hat)
        pen.stroke([h.at(-1.05, -0.47), h.at(1.05, -0.47)])
        pen.blob([oval(h.cx, h.cy - 1.25 * h.rh, 0.1 * h.rw)], look.hat_shade)


def draw_helmet(pen: Pen, h: Head, look: Look) -> None:
    dome = arc_points(h.cx, h.cy - 0.32 * h.rh, 1.2 * h.rw, 1.05 * h.rh, 180, 360)
    guards = [RoundRect(h.box(-1.24, -0.45, -0.86, 0.5), 0.15 * h.rw),
              RoundRect(h.box(0.86, -0.45, 1.24, 0.5), 0.15 * h.rw)]
    pen.blob([Poly(tuple(dome)), *guards], look.hat)
    pen.stroke([(h.cx, h.cy - 1.25 * h.rh), (h.cx, h.cy - 0.55 * h.rh)], look.hat_shade,
               pen.line * 3)
    pen.blob([RoundRect(h.box(-1.28, -0.48, 1.28, -0.26), 0.1 * h.rw)], look.hat_shade)
    for k in (-1.0, -0.5, 0.0, 0.5, 1.0):
        pen.dot(h.at(k, -0.37), 0.045 * h.rw, look.metal)
