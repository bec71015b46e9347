"""The ``sketch`` backend: offline, deterministic cartoon placeholders drawn with Pillow.

The default backend, so that a new cast builds a real dist/ with no account and no GPU.
The prompt decides what is drawn (colours, hair, glasses, framing, mood, scene or
character, green screen); the seed decides everything the prompt leaves open, the same
way for every framing: one seed, one person (placement and pose may follow the framing).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from facebuild.backends.base import BackendBase, Capabilities, ProgressCallback, RenderRequest
from facebuild.backends.sketch.draw import encode_png, identity_of, render
from facebuild.backends.sketch.features import Features, parse_features
from facebuild.backends.sketch.palette import CHROMA_GREEN
from facebuild.errors import CastError

SKETCH_MODEL = "sketch-v1"
SKETCH_VERSION = 3
"""Bumped whenever the same request would draw different pixels, so stored renders of
the old drawing are not reused. 2: one identity per seed, whatever the framing. 3: a render
records its person, and a render made from a reference draws the reference's person."""
MIN_SIDE, MAX_SIDE = 16, 4096
SEED_MAX = 2**32 - 1


_WORKERS = max(2, os.cpu_count() or 1)
"""Drawing is CPU work: one worker a core (asked once, not for each of 10,000 checks)."""


class SketchBackend(BackendBase):
    """Draws every request locally; nothing to configure, nothing to pay. A request with a
    reference draws the reference's person (colours and traits) in its own framing, unless
    its strength is 1 (ignore the reference)."""

    name = "sketch"

    @classmethod
    def from_options(cls, options: Mapping[str, Any], base_dir: Path) -> SketchBackend:
        if options:
            key = next(iter(options))
            raise CastError(f"unknown option '{key}' for the sketch backend",
                            key=f"backend.{key}", hint="the sketch backend takes no options")
        return cls()

    def capabilities(self) -> Capabilities:
        return Capabilities(
            backend="sketch", model=SKETCH_MODEL, max_prompt_chars=None, max_negative_chars=None,
            seed_min=0, seed_max=SEED_MAX, price_per_image=0.0,
            max_concurrency=_WORKERS, min_side=MIN_SIDE, max_side=MAX_SIDE,
            lifecycle="active", paid=False,
        )

    def identity(self, request: RenderRequest) -> dict[str, Any]:
        return {"model": SKETCH_MODEL, "version": SKETCH_VERSION}

    def render_size(self, width: int, height: int) -> tuple[int, int]:
        return width, height

    def generate(self, request: RenderRequest, progress: ProgressCallback | None = None) -> bytes:
        identity = request.seed
        ref = request.reference
        if ref is not None and ref.image is not None and ref.strength < 1.0:
            identity = identity_of(ref.image)
        image = render(request.prompt, request.negative, request.seed, request.width,
                       request.height, identity)
        data = encode_png(image, identity)
        if progress is not None:
            progress(1, 1)
        return data


__all__ = ["CHROMA_GREEN", "SKETCH_VERSION", "Features", "SketchBackend", "parse_features"]
