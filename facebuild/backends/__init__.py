"""Backends by name. Modules are imported only when their backend is used, so that
``facebuild --help`` never pays for boto3."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from facebuild.backends.base import (
    Backend,
    BackendBase,
    Capabilities,
    ProgressCallback,
    Reference,
    RenderRequest,
    limit_problems,
)

BackendFactory = Callable[[Mapping[str, Any], Path], Backend]
"""``factory(options, base_dir) -> Backend``; options are the cast's ``backend:`` mapping
without ``name``; relative paths in them are relative to ``base_dir``."""

BACKENDS: dict[str, str | BackendFactory] = {
    "sketch": "facebuild.backends.sketch:SketchBackend.from_options",
    "bedrock": "facebuild.backends.bedrock:BedrockBackend.from_options",
    "comfyui": "facebuild.backends.comfyui:ComfyUIBackend.from_options",
}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make ``backend: {name: NAME}`` build through ``factory``."""
    BACKENDS[name] = factory


def backend_names() -> list[str]:
    return sorted(BACKENDS)


def create_backend(name: str, options: Mapping[str, Any], base_dir: Path) -> Backend:
    """Build the backend called ``name``. Raises ``KeyError`` for an unknown name."""
    factory = BACKENDS[name]
    if isinstance(factory, str):
        module_name, _, attr_path = factory.partition(":")
        obj: Any = importlib.import_module(module_name)
        for attr in attr_path.split("."):
            obj = getattr(obj, attr)
        factory = obj
    assert callable(factory)
    return factory(options, base_dir)


__all__ = [
    "BACKENDS",
    "Backend",
    "BackendBase",
    "BackendFactory",
    "Capabilities",
    "ProgressCallback",
    "Reference",
    "RenderRequest",
    "backend_names",
    "create_backend",
    "limit_problems",
    "register_backend",
]
