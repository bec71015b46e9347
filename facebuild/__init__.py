"""facebuild: make for character art.

The library and the CLI are one engine::

    from facebuild import PortraitClient, WorldSpec, CharacterSpec, VariantSpec
    client = PortraitClient()                      # the offline sketch backend
    results = client.generate(world=..., character=..., variants=[...], seed=7)

    cast = facebuild.load_cast("cast.yaml")
    report = facebuild.build(cast)                 # what `facebuild build` does

Names are imported on first use, so that ``facebuild --help`` stays fast.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The library logs under "facebuild" and prints nothing unless the application configures
# logging (the CLI does for -v).
logging.getLogger("facebuild").addHandler(logging.NullHandler())

_EXPORTS = {
    "PortraitClient": "facebuild.client",
    "PortraitResult": "facebuild.client",
    "WorldSpec": "facebuild.specs",
    "CharacterSpec": "facebuild.specs",
    "VariantSpec": "facebuild.specs",
    "FileCache": "facebuild.caches",
    "MemoryCache": "facebuild.caches",
    "NoOpCache": "facebuild.caches",
    "Cast": "facebuild.cast",
    "load_cast": "facebuild.cast",
    "cast_from_data": "facebuild.cast",
    "Plan": "facebuild.planner",
    "Target": "facebuild.planner",
    "plan": "facebuild.planner",
    "Diff": "facebuild.changes",
    "diff": "facebuild.changes",
    "Lock": "facebuild.lock",
    "read_lock": "facebuild.lock",
    "BuildReport": "facebuild.report",
    "TargetResult": "facebuild.report",
    "build": "facebuild.builder",
    "clean": "facebuild.cleanup",
    "gc": "facebuild.garbage",
    "estimate": "facebuild.pricing",
    "RenderRequest": "facebuild.backends",
    "Capabilities": "facebuild.backends",
    "Backend": "facebuild.backends",
    "register_backend": "facebuild.backends",
    "FacebuildError": "facebuild.errors",
    "CastError": "facebuild.errors",
    "BackendError": "facebuild.errors",
    "LimitError": "facebuild.errors",
    "UsageError": "facebuild.errors",
    "InvalidSpecError": "facebuild.specs",
    "ModelNotFoundError": "facebuild.errors",
    "ContentModerationError": "facebuild.errors",
    "GenerationError": "facebuild.errors",
    "FaceGenError": "facebuild.errors",
    "CacheError": "facebuild.errors",
}

__all__ = [
    "Backend",
    "BackendError",
    "BuildReport",
    "CacheError",
    "Capabilities",
    "Cast",
    "CastError",
    "CharacterSpec",
    "ContentModerationError",
    "Diff",
    "FaceGenError",
    "FacebuildError",
    "FileCache",
    "GenerationError",
    "InvalidSpecError",
    "LimitError",
    "Lock",
    "MemoryCache",
    "ModelNotFoundError",
    "NoOpCache",
    "Plan",
    "PortraitClient",
    "PortraitResult",
    "RenderRequest",
    "Target",
    "TargetResult",
    "UsageError",
    "VariantSpec",
    "WorldSpec",
    "__version__",
    "build",
    "cast_from_data",
    "clean",
    "diff",
    "estimate",
    "gc",
    "load_cast",
    "plan",
    "read_lock",
    "register_backend",
]

if TYPE_CHECKING:
    from facebuild.backends import Backend, Capabilities, RenderRequest, register_backend
    from facebuild.builder import build
    from facebuild.caches import FileCache, MemoryCache, NoOpCache
    from facebuild.cast import Cast, cast_from_data, load_cast
    from facebuild.changes import Diff, diff
    from facebuild.cleanup import clean
    from facebuild.client import PortraitClient, PortraitResult
    from facebuild.errors import (
        BackendError,
        CacheError,
        CastError,
        ContentModerationError,
        FacebuildError,
        FaceGenError,
        GenerationError,
        LimitError,
        ModelNotFoundError,
        UsageError,
    )
    from facebuild.garbage import gc
    from facebuild.lock import Lock, read_lock
    from facebuild.planner import Plan, Target, plan
    from facebuild.pricing import estimate
    from facebuild.report import BuildReport, TargetResult
    from facebuild.specs import CharacterSpec, InvalidSpecError, VariantSpec, WorldSpec


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'facebuild' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
