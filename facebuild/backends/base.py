"""The seam between the build and the image services: one request type, one protocol.

A backend turns a ``RenderRequest`` into image bytes. Before any money is spent the
planner asks it what it can do (``capabilities``), which size it will really render at
(``render_size``) and whether a request breaks a limit (``check``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

ProgressCallback = Callable[[int, int], None]
"""Called by a backend with (step, total_steps) while one render runs."""


DEFAULT_STRENGTH = 0.5
"""How far a render may move away from its reference when the cast says nothing."""


@dataclass(frozen=True)
class Reference:
    """The image a render is generated from (``reference:``): another render of the cast,
    by its render key, or an image file of the cast, by its sha256."""

    digest: str
    """The referenced render's key, or the sha256 of the file."""
    strength: float = DEFAULT_STRENGTH
    """0 keeps the reference as it is, 1 ignores it (image-to-image's ``strength``)."""
    path: Path | None = None
    """The file, for a file reference; None for a render."""
    image: bytes | None = None
    """The encoded image, filled in by the render runner just before ``generate``."""

    @property
    def kind(self) -> str:
        return "file" if self.path is not None else "render"


@dataclass(frozen=True, slots=True)
class RenderRequest:
    """Everything that decides the pixels of one generation."""

    prompt: str
    negative: str
    seed: int
    width: int
    height: int
    options: Mapping[str, Any] = field(default_factory=dict)
    """Per-target backend options (reference images, strength, style preset, ...)."""
    label: str = ""
    """The target that asked for it, for messages only; never part of a key."""
    reference: Reference | None = None
    """The image this render is generated from, or None for text-to-image."""


@dataclass(frozen=True)
class Capabilities:
    """What the planner must know about a backend before the first call."""

    backend: str
    model: str
    max_prompt_chars: int | None
    max_negative_chars: int | None
    seed_min: int
    seed_max: int
    price_per_image: float
    """Estimated USD per generated image; 0 for offline and self-hosted backends."""
    max_concurrency: int
    min_side: int
    max_side: int
    lifecycle: str = "active"
    """``active``, ``legacy`` or ``end-of-life`` (the service may refuse every call)."""
    paid: bool = False


@runtime_checkable
class Backend(Protocol):
    """What every backend implements. Construct with ``Backend.from_options``."""

    name: str

    @classmethod
    def from_options(cls, options: Mapping[str, Any], base_dir: Path) -> Backend:
        """The backend configured by the cast's ``backend:`` options (``name`` left out);
        relative paths in them are relative to ``base_dir``. Raises ``CastError``."""
        ...

    def capabilities(self) -> Capabilities:
        """Limits, price and concurrency of the configured model."""
        ...

    def identity(self, request: RenderRequest) -> dict[str, Any]:
        """What else, beyond the request's prompt, negative, seed and size, changes the pixels
        of ``request`` on this backend (model, fixed parameters, the digest of the injected
        workflow, digests of reference images named in ``request.options``), as JSON-able
        data for the render key. Never URLs, regions or credentials, so that a pool of
        servers or two regions share one store. Makes no network call."""
        ...

    def render_size(self, width: int, height: int) -> tuple[int, int]:
        """The size this backend will render for an output of ``width``×``height``;
        the build crops and scales the render down to the exact output size."""
        ...

    def check(self, request: RenderRequest) -> list[str]:
        """Problems that would make ``request`` fail or cost money for nothing, one short
        sentence each; empty when the request is fine. Makes no network call."""
        ...

    def preflight(self) -> None:
        """Called once before the first generation of a build: credentials, servers.
        Raises ``BackendError`` with a one-line fix when the backend cannot be used."""
        ...

    def generate(self, request: RenderRequest, progress: ProgressCallback | None = None) -> bytes:
        """Render one image and return its encoded bytes (PNG, JPEG or WebP). A request
        with a ``reference`` is rendered from ``reference.image`` (read by the render runner);
        a backend that cannot do that says so in ``check``, before any call.
        Raises ``BackendError`` (``retryable=True`` for transient failures: the build says
        that the next build tries again)."""
        ...

    def cancel(self) -> None:
        """Called from another thread when the build is interrupted (Ctrl-C): abandon this
        build's queued and running work (only this build's, never other users' jobs) so that
        ``generate`` calls in flight return promptly by raising ``BackendError``."""
        ...

    def close(self) -> None:
        """Release connections; called once at the end of a build."""
        ...


def limit_problems(caps: Capabilities, request: RenderRequest) -> list[str]:
    """What ``request`` breaks of the limits every backend declares in ``caps``: prompt and
    negative length, seed range, render sides. One sentence each, no network call."""
    problems: list[str] = []
    for what, text, limit in (("prompt", request.prompt, caps.max_prompt_chars),
                              ("negative prompt", request.negative, caps.max_negative_chars)):
        if limit is not None and len(text) > limit:
            problems.append(f"{what} is {len(text)} characters, {len(text) - limit} over the "
                            f"{limit} limit of {caps.model}")
    if not caps.seed_min <= request.seed <= caps.seed_max:
        why = " (0 means random on Stability models)" if request.seed == 0 else ""
        problems.append(f"seed {request.seed} is out of range {caps.seed_min}–{caps.seed_max} "
                        f"for {caps.model}{why}")
    for side, value in (("width", request.width), ("height", request.height)):
        if not caps.min_side <= value <= caps.max_side:
            problems.append(f"{side} {value} is outside {caps.min_side}..{caps.max_side} pixels "
                            f"for {caps.model}")
    return problems


class BackendBase:
    """What most backends share: no preflight, nothing to cancel or close, and the limits
    check built from ``capabilities``. A backend adds its own checks to ``check``."""

    name: str = ""

    def capabilities(self) -> Capabilities:
        raise NotImplementedError

    def check(self, request: RenderRequest) -> list[str]:
        return limit_problems(self.capabilities(), request)

    def preflight(self) -> None:
        """Nothing to check before the first generation."""

    def cancel(self) -> None:
        """Nothing to abandon."""

    def close(self) -> None:
        """Nothing to release."""
