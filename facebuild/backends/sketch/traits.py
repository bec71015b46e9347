"""The seed's share of a portrait: face shape, proportions and every choice the prompt
leaves open; placement and pose, which the framing may change."""

from __future__ import annotations

import random
from typing import NamedTuple

from facebuild.backends.sketch.features import Features

HAIR_STYLES = ("short", "short", "long", "curly", "bun", "spiky", "ponytail", "bob")
GARMENTS = ("tee", "jacket", "hoodie", "suit", "jacket")


class Traits(NamedTuple):
    width: float
    """Face half-width as a fraction of the head unit; height follows from ``length``."""
    length: float
    jaw: str
    eye_gap: float
    eye_size: float
    eye_y: float
    gaze: float
    nose: str
    mouth_width: float
    expression: str
    brow_tilt: float
    hair_style: str
    fringe: str
    mirror: bool
    hat_style: str
    round_glasses: bool
    blush: bool
    build: float
    garment: str
    pose: str
    shift: float
    decoration: str

    @classmethod
    def choose(cls, f: Features, rng: random.Random, staging: random.Random) -> Traits:
        """The character's traits from ``rng`` (its seed), every draw made whatever the
        prompt says so that every framing of one character gets the same face; placement
        and pose from ``staging``, which the framing may change."""
        drawn_expression = rng.choice(("smile", "smile", "neutral", "smirk", "grin"))
        expression = f.expression or drawn_expression
        tilt = {"frown": -0.5, "neutral": -0.15, "grin": 0.25}.get(expression, 0.1)
        width, length = rng.uniform(0.86, 1.0), rng.uniform(1.08, 1.26)
        jaw = rng.choice(("round", "square", "pointy"))
        eye_gap, eye_size = rng.uniform(0.34, 0.44), rng.uniform(0.85, 1.2)
        eye_y, gaze = rng.uniform(0.0, 0.14), rng.uniform(-0.25, 0.25)
        nose = rng.choice(("dot", "hook", "button"))
        mouth_width, brow_tilt = rng.uniform(0.28, 0.46), tilt + rng.uniform(-0.15, 0.15)
        hair_style = _hair_style(f, rng.choice(HAIR_STYLES))
        fringe = rng.choice(("swept", "bangs", "spiky", "parted"))
        mirror = rng.random() < 0.5
        drawn_hat = rng.choice(("cap", "brimmed", "beanie"))
        round_glasses, blush = rng.random() < 0.5, rng.random() < 0.6
        build = rng.uniform(1.4, 1.8)
        drawn_garment = rng.choice(GARMENTS)
        decoration = rng.choice(("halo", "dots", "rays", "stripes"))
        return cls(
            width=width, length=length, jaw=jaw, eye_gap=eye_gap, eye_size=eye_size,
            eye_y=eye_y, gaze=gaze, nose=nose, mouth_width=mouth_width, expression=expression,
            brow_tilt=brow_tilt, hair_style=hair_style, fringe=fringe, mirror=mirror,
            hat_style="pointed" if f.pointed_hat else drawn_hat, round_glasses=round_glasses,
            blush=blush, build=build, garment=f.garment or drawn_garment,
            pose=staging.choice(("down", "hips", "wave")), shift=staging.uniform(-1.0, 1.0),
            decoration=decoration,
        )


def _hair_style(f: Features, drawn: str) -> str:
    """The prompt's hair style, else the seed's; nothing sticks out of a hat or helmet."""
    style = f.hair_style or drawn
    if style in ("bun", "spiky", "curly") and f.accessories & {"hat", "helmet"}:
        return "short"
    return style
