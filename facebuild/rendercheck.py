"""The last guard before the store: a render is stored only when its bytes are one complete
PNG image of a sane size. Every backend's answer, and every object fetched from a shared
store, passes here, so a hostile or broken server cannot put a truncated image, a
decompression bomb or bytes smuggled after the image into the store."""

from __future__ import annotations

import io

from PIL import Image

from facebuild import images
from facebuild.errors import BackendError

MAX_RENDER_BYTES = 64 * 1024 * 1024
"""The largest render stored (a 4096x4096 RGBA PNG of noise is about 64 MB)."""
MAX_RENDER_PIXELS = 8192 * 8192
"""The most pixels a stored render may have (decoding one costs 4 bytes a pixel)."""

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class BadRender(BackendError):
    """Raised by ``check_render`` for bytes that may not be stored; one line saying why."""


def check_render(data: bytes, *, max_bytes: int = MAX_RENDER_BYTES,
                 max_pixels: int = MAX_RENDER_PIXELS) -> bytes:
    """``data`` unchanged when it is one complete PNG within the caps; else ``BadRender``."""
    if len(data) > max_bytes:
        raise BadRender(f"the render is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
    if not data.startswith(_SIGNATURE):
        raise BadRender("the render is not a PNG image")
    end = png_end(data)
    if end != len(data):
        raise BadRender(f"the render has {len(data) - end:,} byte(s) after the end of its PNG "
                        "image")
    # the size from the IHDR chunk, before Pillow opens anything: no decompression bomb
    # reaches it (and no process-wide warning filter is changed from a worker thread)
    if data[12:16] != b"IHDR":
        raise BadRender("the render is not a PNG image (no IHDR chunk)")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if width * height > max_pixels:
        raise BadRender(f"the render is {width}x{height} pixels, over the {max_pixels:,}-pixel "
                        "limit")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()  # chunk checksums
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # every pixel decodes
    except BadRender:
        raise
    except Exception as exc:  # Pillow raises many types for bad data
        raise BadRender(f"the render does not decode as an image ({exc})") from exc
    return data


def accept_render(answer: bytes) -> bytes:
    """A backend's answer as the PNG to store: PNG bytes are checked as they are; another
    format is size-checked before it is decoded and converted to PNG."""
    if not answer.startswith(_SIGNATURE):
        if len(answer) > MAX_RENDER_BYTES:
            raise BadRender(f"the render is {len(answer):,} bytes, over the "
                            f"{MAX_RENDER_BYTES:,}-byte limit")
        try:
            with Image.open(io.BytesIO(answer)) as probe:
                width, height = probe.size
        except Exception as exc:  # Pillow raises many types for bad data
            raise BadRender(f"the render does not decode as an image ({exc})") from exc
        if width * height > MAX_RENDER_PIXELS:
            raise BadRender(f"the render is {width}x{height} pixels, over the "
                            f"{MAX_RENDER_PIXELS:,}-pixel limit")
        answer = images.normalize_render(answer)
    return check_render(answer)


def png_end(data: bytes) -> int:
    """The offset just past the IEND chunk of the PNG ``data`` (``BadRender`` when the
    chunks run past the end of the bytes or there is no IEND)."""
    offset = len(_SIGNATURE)
    while offset + 12 <= len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        kind = data[offset + 4:offset + 8]
        offset += 12 + length
        if offset > len(data):
            break
        if kind == b"IEND":
            return offset
    raise BadRender("the render is a truncated PNG (no IEND chunk)")
