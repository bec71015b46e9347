"""What sits on the face: eyes and brows, nose, mouth, facial hair, scar, freckles,
glasses and goggles."""

from __future__ import annotations

from facebuild.backends.sketch.head import Head
from facebuild.backends.sketch.palette import Look
from facebuild.backends.sketch.pen import Pen, Point, Poly, RoundRect, arc_points, oval
from facebuild.backends.sketch.traits import Traits


def _eyes(h: Head, t: Traits) -> list[tuple[float, float, float, float]]:
    """(x, y, half-width, half-height) of each eye."""
    ew, eh = 0.17 * h.rw * t.eye_size, 0.21 * h.rw * t.eye_size
    y = h.cy + t.eye_y * h.rh
    return [(h.cx + s * t.eye_gap * h.rw, y, ew, eh) for s in (-1, 1)]


def _lens(x: float, y: float, ew: float, eh: float, t: Traits) -> RoundRect:
    g = max(ew, eh) * 1.45
    return RoundRect((x - g, y - g * 0.85, x + g, y + g * 0.85), g * (0.85 if t.round_glasses
                                                                      else 0.35))


def draw_features(pen: Pen, h: Head, t: Traits, look: Look, accessories: frozenset[str]) -> None:
    """Everything on the face, in back-to-front order."""
    if t.blush:
        for s in (-1, 1):
            pen.fill(oval(h.cx + s * 0.6 * h.rw, h.cy + 0.45 * h.rh, 0.16 * h.rw,
                          0.09 * h.rw), look.blush)
    if "freckles" in accessories:
        for s in (-1, 1):
            for dx, dy in ((0.5, 0.3), (0.62, 0.38), (0.42, 0.42), (0.56, 0.5)):
                pen.dot((h.cx + s * dx * h.rw, h.cy + dy * h.rh), 0.03 * h.rw, look.freckle)
    eyes = _eyes(h, t)
    if "glasses" in accessories:
        for x, y, ew, eh in eyes:
            pen.fill(_lens(x, y, ew, eh, t), look.lens)
    for x, y, ew, eh in eyes:
        _eye(pen, h, t, look, x, y, ew, eh, sunglasses="sunglasses" in accessories)
    _nose(pen, h, t, look)
    if accessories & {"beard", "stubble"}:
        _beard(pen, h, look, full="beard" in accessories)
    if accessories & {"beard", "moustache"}:
        pen.blob([oval(*h.at(s * 0.2, 0.5), 0.24 * h.rw, 0.09 * h.rw) for s in (-1, 1)],
                 look.beard)
    _mouth(pen, h, t, look)
    if "scar" in accessories:
        x, y, ew, eh = eyes[0 if h.side > 0 else 1]
        a, b = (x - 0.22 * h.rw, y - 0.5 * h.rw), (x + 0.14 * h.rw, y + 0.5 * h.rw)
        pen.stroke([a, b], look.scar, pen.line * 1.5)
        for k in (0.25, 0.5, 0.75):
            mx, my = a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k
            pen.stroke([(mx - 0.08 * h.rw, my - 0.02 * h.rw), (mx + 0.08 * h.rw,
                                                                my + 0.02 * h.rw)],
                       width=pen.line * 0.6)
    if "glasses" in accessories:
        _frames(pen, h, t, look, eyes)
    if "earrings" in accessories:
        for s in (-1, 1):
            pen.blob([oval(h.cx + s * 0.99 * h.rw, h.cy + 0.42 * h.rh, 0.07 * h.rw)], look.metal,
                     line=pen.line * 0.6)


def _eye(pen: Pen, h: Head, t: Traits, look: Look, x: float, y: float, ew: float,
         eh: float, sunglasses: bool) -> None:
    if not sunglasses:
        pen.blob([oval(x, y, ew, eh)], look.eye_white, line=pen.line * 0.7)
        ir = min(ew, eh) * 0.85
        ix, iy = x + t.gaze * ew * 0.35, y + eh * 0.12
        pen.dot((ix, iy), ir, look.eyes)
        pen.dot((ix, iy), ir * 0.5, look.pupil)
        pen.dot((ix - ir * 0.35, iy - ir * 0.4), ir * 0.32, look.eye_white)
        pen.stroke(arc_points(x, y, ew * 1.02, eh * 1.02, 195, 345, 10), width=pen.line * 1.5)
    side = 1 if x > h.cx else -1
    by = y - eh - 0.14 * h.rw
    inner, outer = x - side * ew, x + side * ew * 1.1
    pen.stroke([(inner, by - t.brow_tilt * 0.12 * h.rw), (x, by - 0.06 * h.rw),
                (outer, by + t.brow_tilt * 0.02 * h.rw)], look.hair_shade, pen.line * 1.9)


def _nose(pen: Pen, h: Head, t: Traits, look: Look) -> None:
    y = h.cy + 0.38 * h.rh
    if t.nose == "dot":
        pen.fill(oval(h.cx, y, 0.1 * h.rw, 0.07 * h.rw), look.skin_shade)
    elif t.nose == "hook":
        pen.stroke([h.at(-0.02, 0.2), h.at(0.09, 0.4), h.at(-0.05, 0.44)], width=pen.line * 0.9)
    else:
        pen.stroke(arc_points(h.cx, y, 0.1 * h.rw, 0.07 * h.rw, 20, 160, 8),
                   width=pen.line * 0.9)


def _mouth(pen: Pen, h: Head, t: Traits, look: Look) -> None:
    mw, y = t.mouth_width * h.rw, h.cy + 0.66 * h.rh
    if t.expression == "grin":
        top = y - 0.15 * mw
        outline = arc_points(h.cx, top, 1.1 * mw, 0.7 * mw, 0, 180, 16)
        pen.fill(Poly(tuple(outline)), look.mouth)
        teeth = ((h.cx - 1.08 * mw, top), (h.cx + 1.08 * mw, top),
                 (h.cx + 1.03 * mw, top + 0.22 * mw), (h.cx - 1.03 * mw, top + 0.22 * mw))
        pen.fill(Poly(teeth), look.eye_white)
        pen.fill(oval(h.cx, top + 0.52 * mw, 0.45 * mw, 0.14 * mw), look.tongue)
        pen.stroke([*outline, outline[0]])
    elif t.expression == "smile":
        pen.stroke(arc_points(h.cx, y - 0.3 * mw, mw, 0.5 * mw, 25, 155, 12))
    elif t.expression == "smirk":
        pen.stroke([h.at(-0.8 * t.mouth_width, 0.66), h.at(0.0, 0.66 + 0.06 * t.mouth_width),
                    h.at(0.9 * t.mouth_width, 0.66 - 0.15 * t.mouth_width)])
    elif t.expression == "frown":
        pen.stroke(arc_points(h.cx, y + 0.3 * mw, 0.8 * mw, 0.35 * mw, 205, 335, 12))
    else:
        pen.stroke([(h.cx - 0.6 * mw, y), (h.cx + 0.6 * mw, y + 0.03 * mw)])


def _beard(pen: Pen, h: Head, look: Look, full: bool) -> None:
    reach = 1.14 if full else 1.0
    outer = arc_points(h.cx, h.cy + 0.05 * h.rh, 1.03 * h.rw, reach * h.rh, 0, 180, 20)
    inner: list[Point] = [h.at(x, y) for x, y in ((-0.8, 0.25), (-0.5, 0.52), (-0.2, 0.5),
                                                  (0.2, 0.5), (0.5, 0.52), (0.8, 0.25))]
    if h.side < 0:
        inner.reverse()
    shape = Poly((*outer, *inner))
    if full:
        pen.blob([shape], look.beard)
    else:
        pen.fill(shape, look.stubble)


def _frames(pen: Pen, h: Head, t: Traits, look: Look,
            eyes: list[tuple[float, float, float, float]]) -> None:
    lenses = [_lens(x, y, ew, eh, t) for x, y, ew, eh in eyes]
    for lens in lenses:
        pen.ring(lens, look.ink, pen.line * 1.3)
    (lx0, ly0, lx1, _), (rx0, _, rx1, _) = lenses[0].box, lenses[1].box
    y = eyes[0][1]
    pen.stroke([(lx1, y - 0.05 * h.rw), (h.cx, y - 0.12 * h.rw), (rx0, y - 0.05 * h.rw)],
               width=pen.line * 1.2)
    pen.stroke([(lx0, ly0 + 0.3 * (y - ly0)), (h.cx - 0.98 * h.rw, y)], width=pen.line)
    pen.stroke([(rx1, ly0 + 0.3 * (y - ly0)), (h.cx + 0.98 * h.rw, y)], width=pen.line)


def draw_goggles(pen: Pen, h: Head, look: Look, on_helmet: bool) -> None:
    y = -0.62 if on_helmet else -0.5
    pen.blob([RoundRect(h.box(-1.12, y - 0.08, 1.12, y + 0.08), 0.08 * h.rw)], look.glove)
    for s in (-1, 1):
        x, yy = h.at(s * 0.4, y)
        pen.blob([oval(x, yy, 0.28 * h.rw)], look.metal)
        pen.blob([oval(x, yy, 0.19 * h.rw)], look.glass, line=pen.line * 0.6)
        pen.dot((x - 0.07 * h.rw, yy - 0.07 * h.rw), 0.05 * h.rw, look.eye_white)
