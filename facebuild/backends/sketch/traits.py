"""The seed's share of a portrait: face shape, proportions, placement, pose, and every
choice the prompt leaves open."""

from __future__ import annotations

import random
from dataclasses import dataclass

from facebuild.backends.sketch.features import Features

HAIR_STYLES = ("short", "short", "long", "curly", "bun", "spiky", "ponytail", "bob")
GARMENTS = ("tee", "jacket", "hoodie", "suit", "jacket")


@dataclass(frozen=True)
class Traits:
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
    def choose(cls, f: Features, rng: random.Random) -> Traits:
        expression = f.expression or rng.choice(("smile", "smile", "neutral", "smirk", "grin"))
        tilt = {"frown": -0.5, "neutral": -0.15, "grin": 0.25}.get(expression, 0.1)
        return cls(
            width=rng.uniform(0.86, 1.0),
            length=rng.uniform(1.08, 1.26),
            jaw=rng.choice(("round", "square", "pointy")),
            eye_gap=rng.uniform(0.34, 0.44),
            eye_size=rng.uniform(0.85, 1.2),
            eye_y=rng.uniform(0.0, 0.14),
            gaze=rng.uniform(-0.25, 0.25),
            nose=rng.choice(("dot", "hook", "button")),
            mouth_width=rng.uniform(0.28, 0.46),
            expression=expression,
            brow_tilt=tilt + rng.uniform(-0.15, 0.15),
            hair_style=_hair_style(f, rng.choice(HAIR_STYLES)),
            fringe=rng.choice(("swept", "bangs", "spiky", "parted")),
            mirror=rng.random() < 0.5,
            hat_style="pointed" if f.pointed_hat else rng.choice(("cap", "brimmed", "beanie")),
            round_glasses=rng.random() < 0.5,
            blush=rng.random() < 0.6,
            build=rng.uniform(1.4, 1.8),
            garment=f.garment or rng.choice(GARMENTS),
            pose=rng.choice(("down", "hips", "wave")),
            shift=rng.uniform(-1.0, 1.0),
            decoration=rng.choice(("halo", "dots", "rays", "stripes")),
        )


def _hair_style(f: Features, drawn: str) -> str:
    """The prompt's hair style, else the seed's; nothing sticks out of a hat or helmet."""
    style = f.hair_style or drawn
    if style in ("bun", "spiky", "curly") and f.accessories & {"hat", "helmet"}:
        return "short"
    return style
