"""A whole character, framed as an icon, a bust or a full body: where the head goes,
the body and clothes under it, then the head drawn front to back."""

from __future__ import annotations

from PIL import Image

from facebuild.backends.sketch.face import draw_features, draw_goggles
from facebuild.backends.sketch.features import Features
from facebuild.backends.sketch.head import (
    Head,
    draw_face,
    draw_fringe,
    draw_hair_back,
    draw_hat,
    draw_helmet,
)
from facebuild.backends.sketch.palette import Look
from facebuild.backends.sketch.pen import Pen, Point, Poly, RoundRect, Shape, arc_points, limb, oval
from facebuild.backends.sketch.traits import Traits


def place_head(framing: str, width: int, height: int, t: Traits) -> Head:
    """The head for a canvas of ``width``×``height``; the framing sets its size."""
    if framing == "full":
        r = 0.088 * min(height, 2 * width)
        cx, cy = width / 2 + t.shift * 0.08 * width, height / 2 - 3.1 * r
    elif framing == "icon":
        r = 0.29 * min(width, height)
        cx, cy = width / 2 + t.shift * 0.02 * width, 0.47 * height
    else:
        r = 0.19 * min(width, height)
        cx, cy = width / 2 + t.shift * 0.05 * width, 0.4 * height
    return Head(cx, cy, r * t.width, r * t.length, r, -1 if t.mirror else 1)


def feet_line(h: Head) -> float:
    """Where a full-body figure stands."""
    return h.cy + h.rh + 6.4 * h.r


def line_width(h: Head, scale: int) -> float:
    """Outline width in canvas pixels: thick enough to survive the downscale, thinner
    relative to the head on big images."""
    return max(1.2 * scale, min(0.045 * h.r, 4.0 * scale))


def draw_figure(image: Image.Image, f: Features, t: Traits, look: Look, h: Head,
                scale: int) -> None:
    pen = Pen(image, look.ink, line_width(h, scale))
    draw_hair_back(pen, h, t, look)
    shoulders = h.cy + h.rh + 0.3 * h.r
    if f.framing == "full":
        hips = feet_line(h) - 3.4 * h.r
        _legs(pen, h, t, look, hips)
        _torso(pen, h, t, look, shoulders, hips + 0.3 * h.r, 0.8 * t.build * h.r)
        _belt_and_arms(pen, h, t, look, f, shoulders, hips)
    else:
        _torso(pen, h, t, look, shoulders, image.height + h.r, t.build * h.r)
    _neck(pen, h, look, shoulders)
    draw_face(pen, h, t, look)
    draw_fringe(pen, h, t, look)
    helmet = "helmet" in f.accessories
    if helmet:
        draw_helmet(pen, h, look)
    elif "hat" in f.accessories:
        draw_hat(pen, h, t, look)
    draw_features(pen, h, t, look, f.accessories)
    if "goggles" in f.accessories:
        draw_goggles(pen, h, look, on_helmet=helmet)


def _neck(pen: Pen, h: Head, look: Look, shoulders: float) -> None:
    w = 0.34 * h.r
    top = h.cy + 0.55 * h.rh
    pen.fill(RoundRect((h.cx - w, top, h.cx + w, shoulders + 0.3 * h.r), 0.1 * h.r), look.skin)
    for s in (-1, 1):
        pen.stroke([(h.cx + s * w, top), (h.cx + s * w, shoulders)])
    pen.fill(oval(h.cx, h.cy + h.rh * 0.95, w, 0.3 * h.r), look.skin_shade)


def _torso(pen: Pen, h: Head, t: Traits, look: Look, top: float, bottom: float,
           half: float) -> None:
    cx, r, g = h.cx, h.r, t.garment
    if g == "hoodie":
        pen.blob([oval(cx, top - 0.05 * r, 0.95 * r, 0.45 * r)], look.cloth_shade)
    body: list[Shape] = [RoundRect((cx - half, top, cx + half, bottom), 0.5 * half)]
    if g == "armor":
        body += [oval(cx + s * half * 0.8, top + 0.3 * r, 0.55 * r, 0.42 * r) for s in (-1, 1)]
    pen.blob(body, look.cloth)
    if g in ("jacket", "suit", "robe"):
        depth = min(bottom - top, 1.5 * r)
        v = Poly(((cx - 0.5 * r, top), (cx + 0.5 * r, top), (cx, top + depth)))
        pen.fill(v, look.skin if g == "robe" else look.shirt)
        edge = look.accent if g == "robe" else look.ink
        for s in (-1, 1):
            pen.stroke([(cx + s * 0.5 * r, top), (cx, top + depth)], edge,
                       pen.line * (2.2 if g == "robe" else 1.0))
        if g == "jacket":
            for s in (-1, 1):
                lapel = ((cx + s * 0.5 * r, top), (cx + s * 0.2 * r, top + 0.8 * r),
                         (cx + s * 0.8 * r, top + 0.45 * r))
                pen.blob([Poly(lapel)], look.cloth_shade)
            pen.stroke([(cx, top + depth), (cx, bottom)])
        if g == "suit":
            knot = top + 0.35 * r
            tie = ((cx - 0.1 * r, knot), (cx + 0.1 * r, knot), (cx + 0.15 * r, top + 1.2 * r),
                   (cx, top + 1.4 * r), (cx - 0.15 * r, top + 1.2 * r))
            pen.blob([Poly(tie), oval(cx, knot, 0.13 * r)], look.accent)
    u = arc_points(cx, top, (0.65 if g == "dress" else 0.45) * r, 0.4 * r, 0, 180, 12)
    pen.fill(Poly(tuple(u)), look.skin)
    pen.stroke(u)
    if g == "hoodie":
        for s in (-1, 1):
            pen.stroke([(cx + s * 0.22 * r, top + 0.3 * r), (cx + s * 0.25 * r, top + 1.0 * r)],
                       look.eye_white, pen.line * 1.2)
    if g == "armor":
        for k in (1.0, 1.6, 2.2):
            if top + k * r < bottom:
                pen.stroke(arc_points(cx, top + (k - 0.4) * r, half * 0.8, 0.4 * r, 30, 150, 10))


def _legs(pen: Pen, h: Head, t: Traits, look: Look, hips: float) -> None:
    cx, r = h.cx, h.r
    spread = 0.15 * r + 0.2 * r * abs(t.shift)
    feet = hips + 3.1 * r
    legs: list[Shape] = [RoundRect((cx - 0.9 * r, hips - 0.3 * r, cx + 0.9 * r, hips + 0.8 * r),
                                   0.3 * r)]
    for s in (-1, 1):
        legs += limb((cx + s * 0.45 * r, hips), (cx + s * (0.5 * r + spread), feet), 0.75 * r)
    if t.garment in ("dress", "robe"):
        pen.blob(legs, look.skin)
        skirt = ((cx - 0.9 * r, hips - 0.3 * r), (cx + 0.9 * r, hips - 0.3 * r),
                 (cx + 1.5 * r, hips + (2.8 if t.garment == "robe" else 1.8) * r),
                 (cx - 1.5 * r, hips + (2.8 if t.garment == "robe" else 1.8) * r))
        pen.blob([Poly(skirt)], look.cloth)
    else:
        pen.blob(legs, look.legs)
        pen.stroke([(cx, hips + 0.2 * r), (cx, hips + 0.8 * r)])
    for s in (-1, 1):
        x = cx + s * (0.5 * r + spread)
        pen.blob([oval(x + s * 0.2 * r, feet + 0.3 * r, 0.5 * r, 0.27 * r)], look.shoes)


def _belt_and_arms(pen: Pen, h: Head, t: Traits, look: Look, f: Features, shoulders: float,
                   hips: float) -> None:
    cx, r, half = h.cx, h.r, 0.8 * t.build * h.r
    if t.garment not in ("dress", "robe"):
        pen.blob([RoundRect((cx - half, hips - 0.1 * r, cx + half, hips + 0.18 * r), 0.05 * r)],
                 look.shoes)
        pen.blob([RoundRect((cx - 0.2 * r, hips - 0.14 * r, cx + 0.2 * r, hips + 0.22 * r),
                            0.06 * r)], look.metal)
    hand = look.glove if "gloves" in f.accessories else look.skin
    for s in (-1, 1):
        pose = "down" if t.pose == "wave" and s != h.side else t.pose
        shoulder: Point = (cx + s * (half - 0.25 * r), shoulders + 0.35 * r)
        elbow, wrist = {
            "down": ((cx + s * (half + 0.3 * r), shoulders + 1.5 * r),
                     (cx + s * (half + 0.4 * r), shoulders + 2.8 * r)),
            "hips": ((cx + s * (half + 0.9 * r), shoulders + 1.4 * r),
                     (cx + s * (half + 0.05 * r), hips - 0.15 * r)),
            "wave": ((cx + s * (half + 0.9 * r), shoulders + 0.5 * r),
                     (cx + s * (half + 1.2 * r), shoulders - 0.9 * r)),
        }[pose]
        pen.blob(limb(shoulder, elbow, 0.55 * r), look.cloth)
        fore = look.skin if t.garment in ("tee", "dress") else look.cloth
        pen.blob(limb(elbow, wrist, 0.5 * r), fore)
        pen.blob([oval(wrist[0], wrist[1], 0.3 * r)], hand)
