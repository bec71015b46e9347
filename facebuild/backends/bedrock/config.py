"""The ``backend:`` options of a cast for Bedrock: model, region, profile, limits.

Checked once, when the backend is built, with errors that name the key and the nearest
valid value. Reads ``~/.aws/config`` (through botocore) only when no region is given
anywhere else.
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facebuild.backends.bedrock.catalog import ALIASES, DEFAULT_MODEL, MODELS, ModelSpec
from facebuild.backends.bedrock.options import BODY_OPTIONS, snake_case
from facebuild.errors import BackendError, CastError, ModelNotFoundError

CONNECTION_OPTIONS = (
    "concurrency",
    "endpoint_url",
    "max_attempts",
    "model",
    "profile",
    "read_timeout",
    "region",
    "retry_base_delay",
)
ALL_OPTIONS = CONNECTION_OPTIONS + BODY_OPTIONS
DEFAULT_CONCURRENCY = 2
DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_RETRY_BASE_DELAY = 1.0
DEFAULT_READ_TIMEOUT = 300.0  # AWS: "increase the read_timeout ... to at least 5 minutes"


@dataclass(frozen=True)
class BedrockConfig:
    spec: ModelSpec
    region: str
    profile: str | None = None
    endpoint_url: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_base_delay: float = DEFAULT_RETRY_BASE_DELAY
    read_timeout: float = DEFAULT_READ_TIMEOUT
    body: Mapping[str, Any] = field(default_factory=dict)
    """Consistency options set on the backend; per-target ``options`` override them."""
    base_dir: Path = Path()


def nearest(word: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return found[0] if found else None


def resolve_model(name: Any) -> ModelSpec:
    if isinstance(name, str) and name in MODELS:
        return MODELS[name]
    if isinstance(name, str) and name.lower() in ALIASES:
        return MODELS[ALIASES[name.lower()]]
    known = list(MODELS) + list(ALIASES)
    guess = nearest(str(name), known)
    hint = f"did you mean '{guess}'? " if guess else ""
    hint += f"known: {', '.join(sorted(MODELS))}; short names: {', '.join(sorted(ALIASES))}"
    raise ModelNotFoundError(f"unknown Bedrock model '{name}'", known=sorted(MODELS),
                             key="backend.model", hint=hint)


def profile_missing(name: str) -> str:
    return (
        f"AWS profile '{name}' is not in ~/.aws/config or ~/.aws/credentials: create it "
        f"with `aws configure --profile {name}` (or `aws configure sso`), or fix "
        f"backend.profile / AWS_PROFILE"
    )


def resolve_region(spec: ModelSpec, explicit: str | None, profile: str | None) -> str:
    """The cast's region, else the model's, else AWS_REGION / AWS_DEFAULT_REGION / profile."""
    region = explicit or spec.default_region
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        botocore_session: Any = importlib.import_module("botocore.session")
        exceptions: Any = importlib.import_module("botocore.exceptions")
        try:
            region = botocore_session.Session(profile=profile).get_config_variable("region")
        except exceptions.ProfileNotFound as exc:
            raise BackendError(profile_missing(str(exc.kwargs.get("profile")))) from None
    if not region:
        offered = ", ".join(spec.regions) or "see the Bedrock console"
        raise CastError(
            f"no AWS region for {spec.id}",
            key="backend.region",
            hint=f"set backend.region (offered in: {offered}), AWS_REGION, or region in your AWS profile",
        )
    return str(region)


def _number(raw: Mapping[str, Any], key: str, default: float, low: float, whole: bool) -> float:
    value = raw.get(key, default)
    ok = isinstance(value, int) if whole else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value < low:
        kind = "a whole number" if whole else "a number"
        raise CastError(f"expected {kind} ≥ {low:g}, got {value!r}", key=f"backend.{key}")
    return float(value)


def parse_config(options: Mapping[str, Any], base_dir: Path) -> BedrockConfig:
    """Check the cast's ``backend:`` options (without ``name``). Raises ``CastError``."""
    raw = {snake_case(str(k)): v for k, v in options.items() if k != "name"}
    for key in raw:
        if key not in ALL_OPTIONS:
            guess = nearest(key, list(ALL_OPTIONS))
            hint = f"did you mean '{guess}'?" if guess else f"known: {', '.join(ALL_OPTIONS)}"
            raise CastError(f"unknown Bedrock option '{key}'", key=f"backend.{key}", hint=hint)
    for key in ("region", "profile", "endpoint_url"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise CastError(f"expected text, got {raw[key]!r}", key=f"backend.{key}")
    spec = resolve_model(raw.get("model", DEFAULT_MODEL))
    profile = raw.get("profile")
    return BedrockConfig(
        spec=spec,
        region=resolve_region(spec, raw.get("region"), profile or os.environ.get("AWS_PROFILE")),
        profile=profile,
        endpoint_url=raw.get("endpoint_url"),
        concurrency=int(_number(raw, "concurrency", DEFAULT_CONCURRENCY, 1, True)),
        max_attempts=int(_number(raw, "max_attempts", DEFAULT_MAX_ATTEMPTS, 1, True)),
        retry_base_delay=_number(raw, "retry_base_delay", DEFAULT_RETRY_BASE_DELAY, 0, False),
        read_timeout=_number(raw, "read_timeout", DEFAULT_READ_TIMEOUT, 300, False),
        body={k: v for k, v in raw.items() if k in BODY_OPTIONS},
        base_dir=base_dir,
    )
