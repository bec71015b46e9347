"""``PortraitResult``: one image the library made, with where it came from.

Also accepts the constructor of the earlier ai_facegen library
(``PortraitResult(name=, png_bytes=, seed=)``), so that its caches and tests keep working.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from PIL import Image

from facebuild.atomic import write_atomic


@dataclass(frozen=True)
class PortraitResult:
    """One generated image. ``name`` is the variant's name, as in ai_facegen."""

    name: str
    png_bytes: bytes
    seed: int | None = None
    """The seed sent to the model: pass it back to ``generate`` to get the same image."""
    character: str = ""
    prompt: str = ""
    negative: str = ""
    render_key: str = ""
    candidate: int = 0
    generated: bool = field(default=False, compare=False)
    """Whether this call paid for the render (False: it came from the store)."""

    @property
    def variant(self) -> str:
        return self.name

    @cached_property
    def image(self) -> Image.Image:
        image = Image.open(io.BytesIO(self.png_bytes))
        image.load()
        return image

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def __len__(self) -> int:
        return len(self.png_bytes)

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        write_atomic(target, self.png_bytes)
        return target
