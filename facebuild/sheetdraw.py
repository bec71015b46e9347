"""Drawing a contact sheet: labelled images in a grid, as PNG bytes.

``contact_sheet`` is a pure function from (label, image path) pairs to PNG bytes, drawn
with Pillow's default font (nothing to download). Pages and what is redrawn are the job of
``facebuild.sheetpages``; what goes on the sheet of a build, of ``facebuild.sheet``.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

_PAD = 8
_LABEL = 16
_BACKGROUND = (250, 250, 247)
_MISSING = (205, 205, 200)

Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


def cell_size(count: int) -> int:
    """Thumbnail side: smaller cells for big casts, so 2,500 stay a few megapixels and
    25,000 stay under Pillow's decompression-bomb limit (89 megapixels)."""
    return 128 if count <= 200 else 96 if count <= 800 else 64 if count <= 5000 else 32


def columns_for(count: int) -> int:
    """Columns of a sheet of ``count`` cells: about 1.6 times wider than high."""
    return max(1, min(count, math.ceil(math.sqrt(count * 1.6))))


def sheet_size(count: int, cell: int, columns: int) -> tuple[int, int]:
    """Width and height in pixels of a sheet of ``count`` cells."""
    rows = max(1, math.ceil(count / columns))
    return columns * (cell + _PAD) + _PAD, rows * (cell + _PAD + _LABEL) + _PAD


def contact_sheet(items: Sequence[tuple[str, Path]], *, cell: int | None = None,
                  columns: int | None = None, metadata: dict[str, str] | None = None,
                  reuse: Image.Image | None = None, redraw: Collection[int] | None = None) -> bytes:
    """A PNG grid of the images, each scaled to fit a ``cell``-pixel square (upscaled by
    whole factors with crisp pixels, downscaled smoothly) with its label under it. A
    missing or unreadable file is a grey cell, so one bad file never spoils the sheet.
    ``reuse``: the sheet of the same number of items drawn before, of which only the
    cells ``redraw`` are drawn again."""
    cell = cell or cell_size(len(items))
    columns = columns or columns_for(len(items))
    pitch_x, pitch_y = cell + _PAD, cell + _PAD + _LABEL
    size = sheet_size(len(items), cell, columns)
    if reuse is None or reuse.size != size or redraw is None:
        reuse, redraw = Image.new("RGB", size, _BACKGROUND), range(len(items))
    sheet = reuse
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=12)
    for index in sorted(redraw):
        label, path = items[index]
        x = _PAD + (index % columns) * pitch_x
        y = _PAD + (index // columns) * pitch_y
        draw.rectangle((x, y, x + pitch_x - _PAD - 1, y + pitch_y - 1), fill=_BACKGROUND)  # and descenders
        thumb = _thumbnail(path, cell)
        if thumb is None:
            draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=_MISSING)
            draw.line((x, y, x + cell - 1, y + cell - 1), fill=(160, 160, 155))
        else:
            position = (x + (cell - thumb.width) // 2, y + cell - thumb.height)
            if thumb.mode == "RGBA":
                sheet.paste(thumb, position, thumb)
            else:
                sheet.paste(thumb, position)
        text = _fit(draw, label, font, cell)
        width = draw.textlength(text, font=font)
        draw.text((x + (cell - width) / 2, y + cell + 3), text, fill=(30, 30, 30), font=font)
    info = PngImagePlugin.PngInfo()
    for key, value in (metadata or {}).items():
        info.add_itxt(key, value)
    out = io.BytesIO()
    sheet.save(out, format="PNG", pnginfo=info, compress_level=1)  # 6: 62 ms, 3: 20 ms, 1: 17 ms, +5% bytes
    return out.getvalue()


def _thumbnail(path: Path, cell: int) -> Image.Image | None:
    try:
        with Image.open(path) as opened:
            image = opened.convert("RGBA" if "A" in opened.getbands() else "RGB")
    except UNREADABLE:
        return None
    side = max(image.size)
    if side <= cell // 2:
        factor = cell // side
        return image.resize((image.width * factor, image.height * factor), Image.Resampling.NEAREST)
    image.thumbnail((cell, cell), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return image


def _fit(draw: ImageDraw.ImageDraw, label: str, font: Font, width: int) -> str:
    """The label, shortened with an ellipsis to fit; characters the font cannot encode
    (the bitmap fallback is Latin-1) become '?'."""
    if isinstance(font, ImageFont.ImageFont):
        label = label.encode("latin-1", "replace").decode("latin-1")
    if draw.textlength(label, font=font) <= width:
        return label
    while label and draw.textlength(label + "...", font=font) > width:
        label = label[:-1]
    return label.rstrip() + "..."


UNREADABLE = (OSError, ValueError, KeyError, Image.DecompressionBombWarning,
               Image.DecompressionBombError)
"""What reading an image in dist may raise (any file may be there): a sheet that cannot be
reused is drawn anew, an image that cannot be read is a grey cell."""


@contextmanager
def bounded() -> Iterator[None]:
    """Pillow's size warning as an error: a sheet past its limit is drawn anew, not decoded.
    (Only used after a build's render threads are done: the filter is process-wide.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield
