"""One request builder and one response parser per model family (not per model).

A builder turns a request into the JSON body AWS documents for the family; an ``encode``
function turns reference image paths into base64 for a call, or into their sha256 for the
render key, so the key is exactly the body. A parser returns the base64 of the one image or
raises a one-line ``BackendError`` (``ContentFilteredError`` for a content filter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facebuild.backends.base import Reference, RenderRequest
from facebuild.backends.bedrock.catalog import STABILITY_ASPECTS, ModelSpec
from facebuild.backends.bedrock.options import (
    DEFAULT_SIMILARITY,
    STABILITY_DEFAULT_STRENGTH,
    BodyOptions,
)
from facebuild.errors import BackendError, ContentFilteredError

Encode = Callable[[Path | Reference], str]
"""An image for the body: a file named in the options, or the request's reference."""
Body = dict[str, Any]

# Family defaults, always sent so that a default changing at AWS changes nothing silently.
TITAN_CFG = 8.0  # [SDK-EX]
NOVA_CFG = 6.5  # [NOVA-RR]
SDXL_CFG = 7.0  # [SDXL]
SDXL_STEPS = 30  # [SDXL-C]
ASPECT_BY_SIZE = {size: ratio for ratio, size in STABILITY_ASPECTS.items()}


def _stability(spec: ModelSpec, req: RenderRequest, opts: BodyOptions, encode: Encode) -> Body:
    body: Body = {"prompt": req.prompt, "seed": req.seed, "output_format": "png"}
    if req.negative:
        body["negative_prompt"] = req.negative
    ref = req.reference
    if ref is not None or opts.image is not None:  # image-to-image [SD35], [ULTRA]
        if spec.i2i_mode:
            body["mode"] = "image-to-image"
        if ref is not None:
            body["image"], body["strength"] = encode(ref), ref.strength
        else:
            assert opts.image is not None
            body["image"] = encode(opts.image)
            body["strength"] = STABILITY_DEFAULT_STRENGTH if opts.strength is None else opts.strength
    else:  # aspect_ratio is for text-to-image only; image-to-image keeps the image's shape
        body["aspect_ratio"] = ASPECT_BY_SIZE[(req.width, req.height)]
    return body


def _sdxl(spec: ModelSpec, req: RenderRequest, opts: BodyOptions, encode: Encode) -> Body:
    prompts = [{"text": req.prompt, "weight": 1.0}]
    if req.negative:
        prompts.append({"text": req.negative, "weight": -1.0})
    body: Body = {
        "text_prompts": prompts,
        "cfg_scale": SDXL_CFG if opts.cfg_scale is None else opts.cfg_scale,
        "height": req.height,
        "width": req.width,
        "seed": req.seed,
        "steps": SDXL_STEPS if opts.steps is None else opts.steps,
        "samples": 1,
    }
    if opts.style:
        body["style_preset"] = opts.style
    return body


def _amazon(spec: ModelSpec, req: RenderRequest, opts: BodyOptions, encode: Encode) -> Body:
    """Titan Image Generator and Nova Canvas share one body shape."""
    text: Body = {"text": req.prompt}
    if req.negative:
        text["negativeText"] = req.negative
    if req.reference is not None:  # a reference edge: image variation [TITAN], [NOVA-RR]
        task, key = "IMAGE_VARIATION", "imageVariationParams"
        params = {"images": [encode(req.reference)], **text,
                  "similarityStrength": similarity(req.reference.strength)}
    elif opts.images:
        task, key = "IMAGE_VARIATION", "imageVariationParams"
        params = {"images": [encode(p) for p in opts.images], **text}
        sim = opts.similarity_strength
        params["similarityStrength"] = DEFAULT_SIMILARITY if sim is None else sim
    elif opts.colors:
        task, key = "COLOR_GUIDED_GENERATION", "colorGuidedGenerationParams"
        params = {**text, "colors": list(opts.colors)}
        if opts.image is not None:
            params["referenceImage"] = encode(opts.image)
    else:
        task, key, params = "TEXT_IMAGE", "textToImageParams", text
        if opts.style:
            params["style"] = opts.style
    default_cfg = NOVA_CFG if spec.family == "nova-canvas" else TITAN_CFG
    config = {
        "numberOfImages": 1,
        "width": req.width,
        "height": req.height,
        "quality": opts.quality or "standard",
        "cfgScale": default_cfg if opts.cfg_scale is None else opts.cfg_scale,
        "seed": req.seed,
    }
    return {"taskType": task, key: params, "imageGenerationConfig": config}


def similarity(strength: float) -> float:
    """Variation's ``similarityStrength`` for a reference's ``strength``: the opposite
    scale (1 keeps the reference); Titan and Nova take 0.2–1.0, i.e. strength ≤ 0.8."""
    return round(1.0 - strength, 6)


def _first_image(payload: Body, key: str) -> str | None:
    images = payload.get(key)
    if isinstance(images, list) and images and isinstance(images[0], str) and images[0]:
        return images[0]
    return None


def _parse_stability(spec: ModelSpec, payload: Body) -> str:
    reasons = payload.get("finish_reasons")
    reason = reasons[0] if isinstance(reasons, list) and reasons else None
    if isinstance(reason, str) and reason.startswith("Filter reason"):
        raise ContentFilteredError(f"content filtered by {spec.id}: {reason}", reason=str(reason))
    if reason is not None:
        raise BackendError(f"{spec.id} failed: {reason}", retryable=True)
    return _need(spec, payload, _first_image(payload, "images"))


def _parse_sdxl(spec: ModelSpec, payload: Body) -> str:
    artifacts = payload.get("artifacts")
    first = artifacts[0] if isinstance(artifacts, list) and artifacts else {}
    first = first if isinstance(first, dict) else {}
    reason = first.get("finishReason")
    if reason == "CONTENT_FILTERED":
        raise ContentFilteredError(f"content filtered by {spec.id}: CONTENT_FILTERED",
                                   reason="CONTENT_FILTERED")
    if reason not in (None, "SUCCESS"):
        raise BackendError(f"{spec.id} failed: finishReason {reason}", retryable=True)
    image = first.get("base64")
    return _need(spec, payload, image if isinstance(image, str) and image else None)


def _parse_amazon(spec: ModelSpec, payload: Body) -> str:
    image = _first_image(payload, "images")
    error = payload.get("error")
    if image is None and isinstance(error, str) and error:
        raise ContentFilteredError(f"content filtered by {spec.id}: {error}", reason=str(error))
    return _need(spec, payload, image)


def _need(spec: ModelSpec, payload: Body, image: str | None) -> str:
    if image is None:
        keys = ", ".join(sorted(payload)) or "none"
        raise BackendError(f"{spec.id} answered without an image (response keys: {keys})")
    return image


@dataclass(frozen=True)
class Family:
    build: Callable[[ModelSpec, RenderRequest, BodyOptions, Encode], Body]
    parse: Callable[[ModelSpec, Body], str]


FAMILIES: dict[str, Family] = {
    "stability": Family(_stability, _parse_stability),
    "stability-sdxl": Family(_sdxl, _parse_sdxl),
    "titan": Family(_amazon, _parse_amazon),
    "nova-canvas": Family(_amazon, _parse_amazon),
}
