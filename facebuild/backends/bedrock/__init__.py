"""The Amazon Bedrock backend: image models through boto3 and the standard AWS credentials.

``catalog`` holds the models as data, ``sizes`` the size choice, ``options`` the consistency
options, ``families`` one body builder and response parser per family, ``client`` the boto3
calls. boto3 is imported only when a build calls ``preflight`` or ``generate``.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL import Image

from facebuild.backends.base import (
    BackendBase,
    Capabilities,
    ProgressCallback,
    Reference,
    RenderRequest,
    limit_problems,
)
from facebuild.backends.bedrock.catalog import ModelSpec
from facebuild.backends.bedrock.client import Caller, CallStats, make_client
from facebuild.backends.bedrock.config import (
    ALL_OPTIONS,
    CONNECTION_OPTIONS,
    BedrockConfig,
    nearest,
    parse_config,
)
from facebuild.backends.bedrock.families import FAMILIES
from facebuild.backends.bedrock.limiter import AdaptiveLimit
from facebuild.backends.bedrock.options import (
    BodyOptions,
    References,
    parse_body_options,
    snake_case,
)
from facebuild.backends.bedrock.references import base64_of, reference_problems
from facebuild.backends.bedrock.sizes import choose_size, size_problem
from facebuild.errors import BackendError, CastError, CastErrors

IDENTITY_SCHEMA = 1
"""Bump when the bodies built for the same options change."""


class BedrockBackend(BackendBase):
    """Renders through ``invoke_model`` of one Bedrock model in one region."""

    name = "bedrock"

    def __init__(self, cfg: BedrockConfig) -> None:
        self.cfg = cfg
        self.spec: ModelSpec = cfg.spec
        self.references = References()
        self.limit = AdaptiveLimit(cfg.concurrency)
        self.stats = CallStats()
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._client: Any = None
        self._caller: Caller | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any], base_dir: Path) -> BedrockBackend:
        """Check the cast's ``backend:`` options; raises ``CastError``/``CastErrors``."""
        backend = cls(parse_config(options, base_dir))
        _, problems = parse_body_options(backend.cfg.body, backend.spec, base_dir, backend.references)
        errors = [CastError(message, key=f"backend.{key}") for key, message in problems]
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise CastErrors(errors)
        return backend

    def capabilities(self) -> Capabilities:
        spec = self.spec
        return Capabilities(
            backend=self.name,
            model=spec.id,
            max_prompt_chars=spec.max_prompt,
            max_negative_chars=spec.max_negative,
            seed_min=spec.seed_min,
            seed_max=spec.seed_max,
            price_per_image=spec.price,
            max_concurrency=self.cfg.concurrency,
            min_side=spec.min_side,
            max_side=spec.max_side,
            lifecycle=spec.lifecycle,
            paid=True,
        )

    def render_size(self, width: int, height: int) -> tuple[int, int]:
        return choose_size(self.spec, width, height)

    def _options(self, request: RenderRequest) -> tuple[BodyOptions, list[str]]:
        """The backend's options overlaid with the request's, and their problems."""
        raw = dict(self.cfg.body)
        problems = []
        for key, value in request.options.items():
            name = snake_case(str(key))
            if name in CONNECTION_OPTIONS:
                problems.append(f"option '{name}' can only be set under backend:")
            elif name not in ALL_OPTIONS:
                guess = nearest(name, list(ALL_OPTIONS))
                problems.append(
                    f"unknown Bedrock option '{name}'" + (f" (did you mean '{guess}'?)" if guess else "")
                )
            else:
                raw[name] = value
        opts, found = parse_body_options(raw, self.spec, self.cfg.base_dir, self.references)
        found_problems = [f"{key}: {message}" for key, message in found]
        return opts, problems + found_problems + reference_problems(request, opts, self.spec, self.references)

    def check(self, request: RenderRequest) -> list[str]:
        return self._checked(request)[1]

    def _checked(self, request: RenderRequest) -> tuple[BodyOptions, list[str]]:
        """The request's options and everything wrong with the request, one line each."""
        spec, region = self.spec, self.cfg.region
        problems = []
        if spec.regions and region not in spec.regions:
            problems.append(
                f"{spec.id} is not offered in {region} (offered in: "
                f"{', '.join(spec.regions)}); set backend.region"
            )
        if spec.geography and not region.startswith(spec.geography):
            problems.append(
                f"{spec.id} is an inference profile for regions starting with "
                f"{' or '.join(spec.geography)}, not {region}; set backend.region"
            )
        size = size_problem(spec, request.width, request.height)
        # lengths and seed from the generic check; sides from the model's own size rule
        problems += [p for p in limit_problems(self.capabilities(), request)
                     if not size or not p.startswith(("width ", "height "))]
        if not request.prompt.strip():
            problems.append(f"prompt is empty; {spec.id} needs a text prompt")
        opts, option_problems = self._options(request)
        return opts, problems + ([size] if size else []) + option_problems

    def identity(self, request: RenderRequest) -> dict[str, Any]:
        """The request body with the prompts left out and reference images as sha256."""
        opts, problems = self._options(request)
        if problems or size_problem(self.spec, request.width, request.height):
            raw = {str(k): repr(v) for k, v in request.options.items()}
            return {"model": self.spec.id, "options": raw, "invalid": True}
        shape = replace(request, prompt="<prompt>", negative="<negative>" if request.negative else "")
        body = FAMILIES[self.spec.family].build(self.spec, shape, opts, self._digest_of)
        return {"model": self.spec.id, "body": body, "schema": IDENTITY_SCHEMA}

    def _digest_of(self, image: Path | Reference) -> str:
        """What the render key holds for an image of the body: its sha256."""
        if isinstance(image, Reference):
            return "sha256:" + image.digest
        return "sha256:" + self.references.info(image).sha256

    def preflight(self) -> None:
        self._connect()

    def account_problems(self) -> tuple[list[str], list[str]]:
        """(problems, warnings) from the account's own answer (the control plane): the
        model or profile not offered in the region, or past its end of life. When the
        control plane cannot be reached, one warning and no problems."""
        from facebuild.backends.bedrock.account import offer_problems, read_offer

        try:
            offer = read_offer(self.cfg.region, self.cfg.profile)
        except BackendError as exc:
            return [], [f"{exc}; {self.spec.id} was checked against facebuild's catalogue only"]
        return offer_problems(self.spec, offer)

    def _connect(self) -> Caller:
        with self._lock:
            if self._caller is None:
                self._client = make_client(self.cfg)
                self._caller = Caller(self._client, self.cfg, self.limit, self._cancelled, self.stats)
            return self._caller

    def generate(self, request: RenderRequest, progress: ProgressCallback | None = None) -> bytes:
        opts, problems = self._checked(request)
        if problems:
            raise BackendError(problems[0])
        family = FAMILIES[self.spec.family]
        body = family.build(self.spec, request, opts, base64_of)
        caller = self._connect()
        if progress:
            progress(0, 1)
        raw = caller.call(json.dumps(body).encode())
        data = _decode(self.spec, family.parse(self.spec, _json(self.spec, raw)))
        if progress:
            progress(1, 1)
        return data

    def counters(self) -> dict[str, int]:
        """What this backend did so far, for the build report."""
        return {
            "calls": self.stats.calls,
            "throttles": self.stats.throttles,
            "retries": self.stats.retries,
            "limit": self.limit.limit,
            "lowest_limit": self.limit.lowest,
            "peak_in_flight": self.limit.peak_in_flight,
        }

    def cancel(self) -> None:
        self._cancelled.set()

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client = self._caller = None


def _json(spec: ModelSpec, raw: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise BackendError(f"{spec.id} answered with a malformed body ({len(raw)} bytes, not a JSON object)")
    return payload


def _decode(spec: ModelSpec, encoded: str) -> bytes:
    try:
        data = base64.b64decode(encoded, validate=True)
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except (binascii.Error, ValueError, OSError, SyntaxError, Image.DecompressionBombError):
        raise BackendError(f"{spec.id} answered with an image that cannot be decoded") from None
    return data


__all__ = ["BedrockBackend"]
