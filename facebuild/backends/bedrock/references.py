"""Reference edges on Bedrock: which models can render from another image, and how.

Image-to-image (``image`` + ``strength``) on Stable Image Ultra and SD3.5 Large; image
variation (``images`` + ``similarityStrength``) on Titan and Nova Canvas [TITAN],
[NOVA-RR], [SD35], [ULTRA]. Any other model is refused before any call, naming those.
"""

from __future__ import annotations

import base64
from pathlib import Path

from facebuild.backends.base import Reference, RenderRequest
from facebuild.backends.bedrock.catalog import MODELS, ModelSpec
from facebuild.backends.bedrock.families import similarity
from facebuild.backends.bedrock.options import BodyOptions, References, check_image


def reference_mode(spec: ModelSpec) -> str | None:
    """How ``spec`` renders from a reference: ``image-to-image``, ``variation`` or None."""
    if spec.family == "stability" and "image" in spec.options:
        return "image-to-image"
    if spec.family in ("titan", "nova-canvas") and "images" in spec.options:
        return "variation"
    return None


def reference_problems(request: RenderRequest, opts: BodyOptions, spec: ModelSpec,
                       refs: References) -> list[str]:
    """What stops ``request``'s reference on ``spec``, one line each (none without one)."""
    ref = request.reference
    if ref is None:
        return []
    mode = reference_mode(spec)
    if mode is None:
        able = ", ".join(m.id for m in MODELS.values() if reference_mode(m) and m.lifecycle == "active")
        other = ", ".join(m.id for m in MODELS.values() if reference_mode(m) and m.lifecycle != "active")
        return [f"{spec.id} cannot render from a reference; models that can: {able} "
                f"(and, past end of life: {other}); set backend.model"]
    if opts.image is not None or opts.images:
        return ["a reference: and the image/images option both give a reference image; keep one"]
    if mode == "variation" and not 0.2 <= similarity(ref.strength) <= 1.0:
        return [f"strength {ref.strength:g} is more than {spec.id}'s image variation allows "
                "(similarity 0.2–1.0, so strength 0–0.8)"]
    if ref.path is not None:  # a file of the cast: format and sides, as for the image options
        problem = check_image(ref.path, spec, refs)
        if problem:
            return [f"reference {ref.path.name}: {problem}"]
    return []


def base64_of(image: Path | Reference) -> str:
    """An image of a request body: a file named in the options, or the reference's bytes."""
    if isinstance(image, Reference):
        assert image.image is not None, "the render runner reads the reference first"
        return base64.b64encode(image.image).decode("ascii")
    return References.base64(image)
