"""Colour arithmetic, the world's mood as a colour transform, and the chosen colours of
one drawing (``Look``)."""

from __future__ import annotations

import colorsys
import random
from typing import TYPE_CHECKING, NamedTuple

from facebuild.backends.sketch import lexicon as lx
from facebuild.backends.sketch.lexicon import RGB

if TYPE_CHECKING:
    from facebuild.backends.sketch.features import Features

CHROMA_GREEN: RGB = (0, 177, 64)
"""The one background colour of a green-screen render."""
CHROMA_MIN_DISTANCE = 110.0
"""No colour of a green-screen figure comes closer than this to ``CHROMA_GREEN``."""
WHITE: RGB = (255, 255, 255)


def _clamp(value: float) -> int:
    return max(0, min(255, round(value)))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """``a`` moved a fraction ``t`` of the way to ``b``."""
    return (_clamp(a[0] + (b[0] - a[0]) * t), _clamp(a[1] + (b[1] - a[1]) * t),
            _clamp(a[2] + (b[2] - a[2]) * t))


def scale(c: RGB, k: float) -> RGB:
    return (_clamp(c[0] * k), _clamp(c[1] * k), _clamp(c[2] * k))


def lighten(c: RGB, t: float) -> RGB:
    return mix(c, WHITE, t)


def saturate(c: RGB, k: float) -> RGB:
    h, lum, s = colorsys.rgb_to_hls(c[0] / 255, c[1] / 255, c[2] / 255)
    r, g, b = colorsys.hls_to_rgb(h, lum, min(1.0, s * k))
    return (_clamp(r * 255), _clamp(g * 255), _clamp(b * 255))


def from_hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (_clamp(r * 255), _clamp(g * 255), _clamp(b * 255))


def luma(c: RGB) -> float:
    return (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255


def distance(a: RGB, b: RGB) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5)


def away_from(c: RGB, key: RGB, min_distance: float) -> RGB:
    """``c`` pushed straight away from ``key`` until at least ``min_distance`` from it."""
    for _ in range(8):
        d = distance(c, key)
        if d >= min_distance:
            return c
        if d < 1:
            c = (c[0] + 1, max(0, c[1] - 1), c[2])
            d = distance(c, key)
        k = min_distance / d + 0.05
        c = (_clamp(key[0] + (c[0] - key[0]) * k), _clamp(key[1] + (c[1] - key[1]) * k),
             _clamp(key[2] + (c[2] - key[2]) * k))
    while distance(c, key) < min_distance:  # boxed in by the gamut: darken
        c = scale(c, 0.8)
    return c


def apply_mood(c: RGB, moods: frozenset[str], skin: bool = False) -> RGB:
    """The world's palette words as one colour transform, applied to every colour."""
    if "vibrant" in moods:
        c = saturate(c, 1.25)
    if "neon" in moods and not skin:
        c = saturate(c, 1.5)
    if "pastel" in moods:
        c = lighten(c, 0.4)
    if "muted" in moods:
        c = mix(saturate(c, 0.55), (128, 128, 128), 0.1)
    if "warm" in moods:
        c = (_clamp(c[0] * 1.06 + 6), c[1], _clamp(c[2] * 0.86))
    if "cold" in moods:
        c = (_clamp(c[0] * 0.88), _clamp(c[1] * 0.98), _clamp(c[2] * 1.08 + 8))
    if "dark" in moods:
        c = scale(c, 0.75)
    if "sepia" in moods:
        c = mix((45, 28, 16), (250, 232, 190), luma(c))
    elif "noir" in moods:
        v = _clamp(255 * min(1.0, max(0.0, (luma(c) - 0.5) * 1.35 + 0.5)))
        c = (v, v, v)
    return c


class Look(NamedTuple):
    """Every colour one drawing uses, already toned and (on a green screen) kept away
    from the key colour, so that drawing code never invents a colour of its own."""

    skin: RGB
    skin_shade: RGB
    blush: RGB
    hair: RGB
    hair_shade: RGB
    hair_light: RGB
    beard: RGB
    eyes: RGB
    pupil: RGB
    eye_white: RGB
    cloth: RGB
    cloth_shade: RGB
    shirt: RGB
    accent: RGB
    legs: RGB
    shoes: RGB
    hat: RGB
    hat_shade: RGB
    metal: RGB
    lens: RGB
    glass: RGB
    glove: RGB
    freckle: RGB
    stubble: RGB
    mouth: RGB
    tongue: RGB
    scar: RGB
    ink: RGB
    bg_top: RGB
    bg_bottom: RGB
    bg_deco: RGB

    @classmethod
    def choose(cls, f: Features, rng: random.Random) -> Look:
        """The prompt's colours, and the seed's for every colour the prompt leaves open.

        Every draw is made, in the same order, whatever the prompt says, so that two
        prompts of one character (a bust and a full body: other framing words, another
        background) get the same skin, hair, eyes and clothes from the same seed."""
        d = _Draws.make(rng)
        palette = list(f.palette)
        d.order.shuffle(palette)
        skin = f.skin or d.skin
        hair = f.hair or (palette[int(d.hair_pick * len(palette))] if palette and d.hair_roll < 0.25
                          else d.natural_hair)
        if f.garment == "armor" and not f.clothing:
            palette.insert(0, (170, 176, 188))
        cloth = f.clothing or (palette[0] if palette else d.cloth)
        neon = "neon" in f.moods
        accent = palette[1] if len(palette) > 1 else from_hsv(d.neon_hue if neon else d.hue, 0.6, 0.9)
        if f.background:
            base = f.background
        elif neon:
            base = (38, 22, 72)
        else:
            base = lighten(palette[-1] if palette else from_hsv(d.base_hue, 0.35, 0.8), 0.35)
        if distance(cloth, base) < 70:  # the background gives way: the clothes are the character's
            base = scale(base, 0.6) if luma(base) > 0.45 else lighten(base, 0.6)
        lens = (30, 35, 45) if "sunglasses" in f.accessories else lighten(skin, 0.55)
        ink = (12, 12, 12) if "noir" in f.moods else (38, 28, 44)
        hat = f.hat or (accent if d.hat_roll < 0.5 else scale(cloth, 0.8))
        look = cls(
            skin=skin, skin_shade=scale(skin, 0.82), blush=mix(skin, (235, 90, 110), 0.3),
            hair=hair, hair_shade=scale(hair, 0.72), hair_light=lighten(hair, 0.3),
            beard=f.beard or hair,
            eyes=f.eyes or d.eyes, pupil=(25, 20, 28),
            eye_white=(250, 250, 247), cloth=cloth, cloth_shade=scale(cloth, 0.75),
            shirt=((240, 238, 230), lighten(accent, 0.4), (70, 70, 80))[d.shirt],
            accent=accent, legs=f.legs or ((55, 65, 100), (70, 60, 50),
                                           (45, 45, 50), scale(cloth, 0.6))[d.legs],
            shoes=d.shoes, hat=hat, hat_shade=scale(hat, 0.75), metal=d.metal,
            lens=lens, glass=lighten(accent, 0.45), glove=(70, 55, 45),
            freckle=scale(skin, 0.68), stubble=mix(skin, hair, 0.3), mouth=(120, 35, 45),
            tongue=(225, 110, 120),
            scar=mix(skin, (160, 50, 60), 0.5), ink=ink, bg_top=lighten(base, 0.3),
            bg_bottom=scale(base, 0.9), bg_deco=mix(base, accent, 0.25),
        )
        return look.toned(f.moods, f.green_screen)

    def toned(self, moods: frozenset[str], green_screen: bool) -> Look:
        changes: dict[str, RGB] = {}
        for name, colour in zip(self._fields, self, strict=True):
            if name != "ink":
                colour = apply_mood(colour, moods, skin=name.startswith("skin"))
            if green_screen and not name.startswith("bg_"):
                colour = away_from(colour, CHROMA_GREEN, CHROMA_MIN_DISTANCE)
            changes[name] = colour
        return self._replace(**changes)


class _Draws(NamedTuple):
    """The seed's colour choices, all drawn in one fixed order before the prompt is read."""

    skin: RGB
    hair_roll: float
    hair_pick: float
    natural_hair: RGB
    cloth: RGB
    hue: float
    neon_hue: float
    base_hue: float
    hat_roll: float
    eyes: RGB
    shirt: int
    legs: int
    shoes: RGB
    metal: RGB
    order: random.Random
    """For the palette's order, drawn last: how many draws it takes depends on the palette."""

    @classmethod
    def make(cls, rng: random.Random) -> _Draws:
        return cls(
            skin=rng.choice(lx.NATURAL_SKIN), hair_roll=rng.random(), hair_pick=rng.random(),
            natural_hair=rng.choice(lx.NATURAL_HAIR),
            cloth=from_hsv(rng.random(), rng.uniform(0.45, 0.7), rng.uniform(0.5, 0.8)),
            hue=rng.random(), neon_hue=rng.choice((0.5, 0.55, 0.83, 0.92)), base_hue=rng.random(),
            hat_roll=rng.random(), eyes=rng.choice(lx.NATURAL_EYES), shirt=rng.randrange(3),
            legs=rng.randrange(4), shoes=rng.choice(((60, 40, 30), (35, 32, 38), (120, 70, 40))),
            metal=rng.choice(((190, 150, 70), (175, 180, 190))), order=rng,
        )
