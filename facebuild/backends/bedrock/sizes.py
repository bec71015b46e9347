"""Which size a model renders for an output size, and which sizes it can render at all.

No Bedrock model renders a 64×64 icon: the build renders at the model's closest size and
crops + scales down locally. "Closest" means: the aspect ratio first (within a small
tolerance of the best the model offers), then the smallest area that is at least the
requested area, else the largest area.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from facebuild.backends.bedrock.catalog import ModelSpec, Size

ASPECT_TOLERANCE = 0.02
"""How much worse (in |log(aspect)|) than the best candidate's aspect a size may be and
still count as "the same aspect"; 0.02 is about 2 %."""

# Nova Canvas [NOVA-RR]: sides 320-4096 divisible by 16, aspect 1:4..4:1, pixels < 4,194,304.
NOVA_STEP = 16
NOVA_MAX_PIXELS = 4_194_304
NOVA_MAX_RATIO = 4.0


def nova_problem(spec: ModelSpec, width: int, height: int) -> str | None:
    """Why Nova Canvas cannot render ``width``×``height``, or None."""
    if not (spec.min_side <= width <= spec.max_side and spec.min_side <= height <= spec.max_side):
        return f"each side must be {spec.min_side}-{spec.max_side} px"
    if width % NOVA_STEP or height % NOVA_STEP:
        return f"each side must be a multiple of {NOVA_STEP}"
    if max(width, height) > NOVA_MAX_RATIO * min(width, height):
        return "the aspect ratio must be between 1:4 and 4:1"
    if width * height >= NOVA_MAX_PIXELS:
        return f"width × height must be under {NOVA_MAX_PIXELS:,} pixels"
    return None


def _nova_candidates(spec: ModelSpec, aspect: float) -> Iterable[Size]:
    for height in range(spec.min_side, spec.max_side + 1, NOVA_STEP):
        exact = height * aspect / NOVA_STEP
        for width in {math.floor(exact) * NOVA_STEP, math.ceil(exact) * NOVA_STEP}:
            if nova_problem(spec, width, height) is None:
                yield (width, height)


def candidates(spec: ModelSpec, width: int, height: int) -> list[Size]:
    """Every size ``spec`` could render for a ``width``×``height`` output."""
    if spec.sizes is not None:
        return list(spec.sizes)
    return list(_nova_candidates(spec, width / height))


def choose_size(spec: ModelSpec, width: int, height: int) -> Size:
    """The render size for an output of ``width``×``height`` (see the module docstring)."""
    if width <= 0 or height <= 0:
        raise ValueError(f"size must be positive, got {width}x{height}")
    want = math.log(width / height)
    area = width * height
    sizes = candidates(spec, width, height)

    def aspect_error(size: Size) -> float:
        return abs(math.log(size[0] / size[1]) - want)

    best = min(aspect_error(s) for s in sizes)
    close = [s for s in sizes if aspect_error(s) <= best + ASPECT_TOLERANCE]
    big_enough = [s for s in close if s[0] * s[1] >= area]
    if big_enough:
        return min(big_enough, key=lambda s: (s[0] * s[1], aspect_error(s)))
    return max(close, key=lambda s: (s[0] * s[1], -aspect_error(s)))


def size_problem(spec: ModelSpec, width: int, height: int) -> str | None:
    """A one-line reason why ``spec`` cannot render exactly ``width``×``height``, or None."""
    if spec.sizes is None:
        reason = nova_problem(spec, width, height)
    else:
        reason = None if (width, height) in spec.sizes else "not one of its sizes"
    if reason is None:
        return None
    near = choose_size(spec, width, height) if width > 0 and height > 0 else None
    hint = f"; the closest it renders is {near[0]}×{near[1]}" if near else ""
    return f"{spec.id} cannot render {width}×{height} ({reason}){hint}"
