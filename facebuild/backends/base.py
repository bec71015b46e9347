"""The seam between the build and the image services: one request type, one protocol.

A backend turns a ``RenderRequest`` into image bytes. Before any money is spent the
planner asks it what it can do (``capabilities``), which size it will really render at
(``render_size``) and whether a request breaks a limit (``check``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

ProgressCallback = Callable[[int, int], None]
"""Called by a backend with (step, total_steps) while one render runs."""


@dataclass(frozen=True)
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
        """Render one image and return its encoded bytes (PNG, JPEG or WebP).
        Raises ``BackendError`` (``retryable=True`` for transient failures)."""
        ...

    def cancel(self) -> None:
        """Called from another thread when the build is interrupted (Ctrl-C): abandon this
        build's queued and running work (only this build's, never other users' jobs) so that
        ``generate`` calls in flight return promptly by raising ``BackendError``."""
        ...

    def close(self) -> None:
        """Release connections; called once at the end of a build."""
        ...
