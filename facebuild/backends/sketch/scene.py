"""Backdrops with no one in them: a sky, a horizon, and a few shapes chosen by the
prompt's place words (city, office, forest, sea, desert, space...) and weather words."""

from __future__ import annotations

import random
from collections.abc import Callable

from PIL import Image

from facebuild.backends.sketch.backdrop import gradient
from facebuild.backends.sketch.features import Features
from facebuild.backends.sketch.lexicon import RGB
from facebuild.backends.sketch.palette import apply_mood, lighten, mix
from facebuild.backends.sketch.pen import Pen, Poly, RoundRect, Shape, arc_points, oval

_SKIES: dict[str, tuple[RGB, RGB]] = {
    "day": ((110, 170, 235), (215, 235, 250)),
    "sunset": ((85, 70, 150), (250, 165, 95)),
    "night": ((12, 18, 48), (50, 60, 110)),
    "space": ((5, 5, 16), (35, 18, 58)),
}
_NIGHT: RGB = (20, 25, 60)
_INK: RGB = (38, 28, 44)


class _Scene:
    """One scene being drawn: the canvas, its pen and its colour rule."""

    def __init__(self, size: tuple[int, int], f: Features, rng: random.Random, factor: int) -> None:
        self.f, self.rng = f, rng
        self.width, self.height = size
        self.unit = min(self.width, self.height)
        s = f.scenery
        self.time = ("space" if "space" in s else "night" if "night" in s
                     else "sunset" if "sunset" in s else "day")
        self.dark = self.time in ("night", "space")
        self.horizon = self.height * rng.uniform(0.58, 0.7)
        top, bottom = _SKIES[self.time]
        if f.palette:
            top, bottom = mix(top, f.palette[0], 0.3), mix(bottom, f.palette[-1], 0.25)
        self.image = gradient(size, self.paint(top, 0), self.paint(bottom, 0))
        self.pen = Pen(self.image, apply_mood(_INK, f.moods), 1.1 * factor)
        self.cloud = self.paint(mix((255, 255, 255), bottom, 0.3), 0.7)

    def paint(self, c: RGB, night: float = 0.55) -> RGB:
        """A scene colour: darkened at night, then toned by the world's mood."""
        return apply_mood(mix(c, _NIGHT, night) if self.dark else c, self.f.moods)

    def band(self, top: float, colour: RGB, bumps: float = 0.0, outline: bool = False) -> None:
        """Ground from ``top`` down, with an uneven top edge."""
        n = 8
        edge = [(self.width * i / n, top - self.rng.uniform(0, bumps) * self.unit)
                for i in range(n + 1)]
        shape = Poly((*edge, (self.width, self.height + 10), (0, self.height + 10)))
        self.pen.blob([shape], colour, outline=outline)

    def sky(self) -> None:
        rng, w, u = self.rng, self.width, self.unit
        if self.dark:
            for _ in range(40 if self.time == "night" else 110):
                x, y = rng.uniform(0, w), rng.uniform(0, self.horizon)
                self.pen.dot((x, y), rng.uniform(0.002, 0.005) * u, (245, 240, 220))
        if self.time == "space":
            x, y, r = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.4) * self.height, 0.16 * u
            planet = self.f.palette[0] if self.f.palette else (205, 120, 90)
            ring = apply_mood(lighten(planet, 0.4), self.f.moods)
            self.pen.stroke(arc_points(x, y, 1.7 * r, 0.35 * r, 180, 360, 30), ring, 0.025 * u)
            self.pen.blob([oval(x, y, r)], apply_mood(planet, self.f.moods))
            self.pen.stroke(arc_points(x, y, 1.7 * r, 0.35 * r, 0, 180, 30), ring, 0.025 * u)
            return
        x = rng.uniform(0.15, 0.85) * w
        if self.time == "night":
            self.pen.fill(oval(x, rng.uniform(0.12, 0.25) * self.height, 0.06 * u),
                          apply_mood((240, 238, 215), self.f.moods))
        else:
            y = self.horizon - 0.04 * u if self.time == "sunset" else 0.2 * self.height
            sun = (255, 170, 90) if self.time == "sunset" else (255, 236, 150)
            self.pen.fill(oval(x, y, 0.11 * u), self.paint(lighten(sun, 0.5)))
            self.pen.fill(oval(x, y, 0.08 * u), self.paint(sun))
        for _ in range(rng.randrange(2, 4)):
            cx, cy = rng.uniform(0, w), rng.uniform(0.08, 0.4) * self.height
            puffs: list[Shape] = [oval(cx + k * 0.06 * u, cy - (0.03 * u if k == 0 else 0),
                                       (0.07 if k == 0 else 0.05) * u) for k in (-1, 0, 1)]
            for shape in puffs:
                self.pen.fill(shape, self.cloud)

    def mountains(self) -> None:
        rng, w, u = self.rng, self.width, self.unit
        peaks = [(w * (i - 0.5) / 5, self.horizon - rng.uniform(0.08, 0.3) * u) for i in range(7)]
        valleys = [((a[0] + b[0]) / 2, self.horizon - rng.uniform(0, 0.06) * u)
                   for a, b in zip(peaks, peaks[1:], strict=False)]
        points = [p for pair in zip(peaks, valleys, strict=False) for p in pair] + [peaks[-1]]
        shape = Poly((*points, (w, self.horizon + 5), (0, self.horizon + 5)))
        self.pen.blob([shape], self.paint((120, 130, 165)))

    def city(self) -> None:
        rng, u = self.rng, self.unit
        for layer, base in enumerate(((150, 160, 185), (80, 85, 110))):
            x = -rng.uniform(0, 0.1) * u
            while x < self.width:
                bw = rng.uniform(0.08, 0.16) * u
                top = self.horizon - rng.uniform(0.1, 0.35 + 0.1 * layer) * u + layer * 0.05 * u
                bottom = self.horizon + 0.05 * u
                self.pen.blob([RoundRect((x, top, x + bw, bottom), 0.0)],
                              self.paint(base), outline=layer == 1)
                if layer == 1:
                    self._windows(x, top, bw)
                x += bw + rng.uniform(0.0, 0.03) * u

    def _windows(self, x: float, top: float, bw: float) -> None:
        lit = self.paint((255, 215, 120), 0.0) if self.dark else self.paint((185, 205, 225))
        off = self.paint((60, 65, 90))
        step = 0.035 * self.unit
        y = top + step
        while y < self.horizon - step:
            for k in range(max(1, int(bw / step) - 1)):
                colour = lit if self.rng.random() < 0.55 else off
                wx = x + step * 0.6 + k * step
                self.pen.fill(RoundRect((wx, y, wx + step * 0.5, y + step * 0.6), 0), colour)
            y += step

    def trees(self) -> None:
        rng, u = self.rng, self.unit
        for row, (y0, size) in enumerate(((self.horizon, 0.08), (self.height * 0.92, 0.15))):
            x = rng.uniform(-0.05, 0.05) * u
            while x < self.width + size * u:
                h = size * u * rng.uniform(0.8, 1.3)
                trunk = RoundRect((x - 0.06 * h, y0 - 0.2 * h, x + 0.06 * h, y0 + 0.05 * h), 0)
                crown: list[Shape] = [Poly(((x - 0.4 * h, y0 - (0.2 + k * 0.3) * h),
                                            (x + 0.4 * h, y0 - (0.2 + k * 0.3) * h),
                                            (x, y0 - (0.75 + k * 0.3) * h))) for k in range(3)]
                self.pen.blob([trunk], self.paint((110, 75, 50)), outline=row == 1)
                self.pen.blob(crown, self.paint((40, 120 - 30 * row, 75)), outline=row == 1)
                x += h * rng.uniform(0.45, 0.8)

    def sea(self) -> None:
        rng, u = self.rng, self.unit
        self.band(self.horizon, self.paint((45, 115, 175)))
        for _ in range(int(25 * self.width / self.unit)):
            x = rng.uniform(0, self.width)
            y = rng.uniform(self.horizon + 0.02 * u, self.height)
            k = (y - self.horizon) / (self.height - self.horizon)
            self.pen.stroke(arc_points(x, y, 0.03 * u * (0.5 + k), 0.01 * u, 200, 340, 6),
                            self.paint((150, 200, 235)), 0.004 * u * (0.5 + k))

    def interior(self) -> None:
        u, w, floor = self.unit, self.width, self.horizon + 0.1 * self.unit
        wall = self.f.palette[0] if self.f.palette else (225, 210, 185)
        self.pen.fill(RoundRect((0, 0, w, floor), 0), self.paint(lighten(wall, 0.3), 0.3))
        window = (w * 0.62 - 0.2 * u, 0.12 * self.height, w * 0.62 + 0.25 * u, floor - 0.28 * u)
        self.pen.blob([RoundRect(window, 0.01 * u)], self.paint(_SKIES[self.time][0], 0))
        wx = (window[0] + window[2]) / 2
        self.pen.stroke([(wx, window[1]), (wx, window[3])], width=0.012 * u)
        self.band(floor, self.paint((150, 105, 70), 0.3), outline=True)
        desk = (w * 0.12, floor - 0.12 * u, w * 0.12 + 0.6 * u, floor - 0.08 * u)
        self.pen.blob([RoundRect(desk, 0.01 * u),
                       RoundRect((desk[0] + 0.03 * u, desk[1], desk[0] + 0.07 * u, floor + 0.1 * u), 0),
                       RoundRect((desk[2] - 0.07 * u, desk[1], desk[2] - 0.03 * u, floor + 0.1 * u), 0)],
                      self.paint((120, 80, 55), 0.3))
        mx = desk[0] + 0.2 * u
        self.pen.blob([RoundRect((mx, desk[1] - 0.22 * u, mx + 0.26 * u, desk[1] - 0.04 * u),
                                 0.01 * u),
                       RoundRect((mx + 0.11 * u, desk[1] - 0.05 * u, mx + 0.15 * u, desk[1]), 0)],
                      self.paint((50, 55, 70), 0.2))
        self.pen.fill(RoundRect((mx + 0.02 * u, desk[1] - 0.2 * u, mx + 0.24 * u,
                                 desk[1] - 0.06 * u), 0), self.paint((120, 200, 230), 0.1))

    def weather(self) -> None:
        rng, u = self.rng, self.unit
        if "rain" in self.f.scenery:
            colour = self.paint((200, 215, 235), 0.3)
            for _ in range(int(90 * self.width / u)):
                x, y = rng.uniform(0, self.width), rng.uniform(0, self.height)
                self.pen.stroke([(x, y), (x - 0.02 * u, y + 0.06 * u)], colour, 0.003 * u)
        if "snow" in self.f.scenery:
            for _ in range(int(120 * self.width / u)):
                x, y = rng.uniform(0, self.width), rng.uniform(0, self.height)
                self.pen.dot((x, y), rng.uniform(0.003, 0.008) * u, (250, 250, 255))


def draw_scene(size: tuple[int, int], f: Features, rng: random.Random, factor: int) -> Image.Image:
    """A new canvas of ``size`` with the scene the prompt names."""
    scene = _Scene(size, f, rng, factor)
    s = f.scenery
    if "interior" in s:
        scene.interior()
        scene.weather()
        return scene.image
    scene.sky()
    layers: list[Callable[[], None]] = []
    if "mountains" in s or not s & {"city", "forest", "sea", "desert", "space"}:
        layers.append(scene.mountains)
    if "city" in s:
        layers.append(scene.city)
    if "sea" in s:
        layers.append(scene.sea)
    else:
        ground = ((225, 195, 135) if "desert" in s else (80, 80, 92) if "city" in s
                  else (160, 150, 150) if "space" in s else (105, 165, 85))
        layers.append(lambda: scene.band(scene.horizon, scene.paint(ground), 0.03))
    if "desert" in s:
        layers.append(lambda: scene.band(scene.height * 0.85, scene.paint((210, 175, 115)), 0.06,
                                         outline=True))
    if "forest" in s:
        layers.append(scene.trees)
    for layer in layers:
        layer()
    scene.weather()
    return scene.image
