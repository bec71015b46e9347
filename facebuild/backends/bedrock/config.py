"""The ``backend:`` options of a cast for Bedrock: model, region, profile, limits.

Checked once, when the backend is built, with errors that name the key and the nearest
valid value. Reads ``~/.aws/config`` (through botocore) only when no region is given
anywhere else.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from facebuild.backends.bedrock.catalog import (
    ALIASES,
    DEFAULT_MODEL,
    GEO_PREFIXES,
    MODELS,
    ModelSpec,
    default_model_for,
)
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


ARN = re.compile(r"arn:aws(?:-[a-z]+)*:bedrock:([a-z0-9-]*):(?:[0-9]{12})?:"
                 r"(inference-profile|application-inference-profile|foundation-model)/([A-Za-z0-9.:-]+)")


def resolve_model(name: Any) -> ModelSpec:
    """A catalogue model by id or short name, a geographic inference profile of one
    (``us.stability.stable-image-core-v1:1``), or an ARN of either."""
    if isinstance(name, str) and name in MODELS:
        return MODELS[name]
    if isinstance(name, str) and name.lower() in ALIASES:
        return MODELS[ALIASES[name.lower()]]
    routed = _routed(name) if isinstance(name, str) else None
    if routed is not None:
        return routed
    known = list(MODELS) + list(ALIASES)
    guess = nearest(str(name), known)
    hint = f"did you mean '{guess}'? " if guess else ""
    hint += f"known: {', '.join(sorted(MODELS))}; short names: {', '.join(sorted(ALIASES))}"
    raise ModelNotFoundError(f"unknown Bedrock model '{name}'", known=sorted(MODELS),
                             key="backend.model", hint=hint)


def _profile(profile_id: str) -> ModelSpec | None:
    """``us.<model id>``: the catalogue model, callable from the prefix's regions."""
    prefix, _, base = profile_id.partition(".")
    if prefix not in GEO_PREFIXES or base not in MODELS:
        return None
    return replace(MODELS[base], id=profile_id, base=base, regions=(), default_region=None,
                   geography=GEO_PREFIXES[prefix])


def _routed(name: str) -> ModelSpec | None:
    """A profile id, or an inference-profile / foundation-model ARN (called in its region)."""
    found = ARN.fullmatch(name)
    if found is None:
        return _profile(name)
    region, kind, rest = found.groups()
    if kind == "application-inference-profile":
        raise ModelNotFoundError(
            "an application inference profile does not say which model it routes to",
            known=sorted(MODELS), key="backend.model",
            hint="give the model id or its system inference profile instead, "
                 "e.g. us.stability.stable-image-core-v1:1")
    inner = _profile(rest) if kind == "inference-profile" else MODELS.get(rest)
    if inner is None:
        return None
    where = (region,) if region else inner.regions
    return replace(inner, id=name, base=inner.base or inner.id, regions=where,
                   default_region=region or inner.default_region, geography=())


def no_default_model(region: str) -> ModelNotFoundError:
    """Where no current model is offered on demand: say which region, model or profile."""
    offered = sorted({r for m in MODELS.values() if m.lifecycle == "active" for r in m.regions})
    first = next(m.id for m in MODELS.values() if m.lifecycle == "active")
    geo = next((p for p, starts in GEO_PREFIXES.items() if p != "global"
                and region.startswith(starts)), "us")
    return ModelNotFoundError(
        f"no current Bedrock image model is offered on demand in {region}",
        known=sorted(MODELS), key="backend.region",
        hint=f"use region {' or '.join(offered)} (default model {first}), or name an inference "
             f"profile your account has in {region} as the model, e.g. {geo}.{first} "
             f"(`facebuild models --region {region}` lists them)")


def profile_missing(name: str) -> str:
    return (
        f"AWS profile '{name}' is not in ~/.aws/config or ~/.aws/credentials: create it "
        f"with `aws configure --profile {name}` (or `aws configure sso`), or fix "
        f"backend.profile / AWS_PROFILE"
    )


def ambient_region(explicit: str | None, profile: str | None) -> str | None:
    """The given region, else AWS_REGION / AWS_DEFAULT_REGION / the AWS profile's."""
    region = explicit or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        botocore_session: Any = importlib.import_module("botocore.session")
        exceptions: Any = importlib.import_module("botocore.exceptions")
        try:
            region = botocore_session.Session(profile=profile).get_config_variable("region")
        except exceptions.ProfileNotFound as exc:
            raise BackendError(profile_missing(str(exc.kwargs.get("profile")))) from None
    return str(region) if region else None


def resolve_region(spec: ModelSpec, explicit: str | None, profile: str | None) -> str:
    """The cast's region, else the model's, else AWS_REGION / AWS_DEFAULT_REGION / profile."""
    region = explicit or spec.default_region or ambient_region(None, profile)
    if not region:
        offered = ", ".join(spec.regions) or "see the Bedrock console"
        if spec.geography:
            offered = "a region starting with " + " or ".join(p or "any" for p in spec.geography)
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
    profile = raw.get("profile")
    aws_profile = profile or os.environ.get("AWS_PROFILE")
    if raw.get("model") is None:
        region = ambient_region(raw.get("region"), aws_profile) or MODELS[DEFAULT_MODEL].default_region
        assert region is not None
        found = default_model_for(region)
        if found is None:
            raise no_default_model(region)
        spec = found
    else:
        spec = resolve_model(raw["model"])
        region = resolve_region(spec, raw.get("region"), aws_profile)
    return BedrockConfig(
        spec=spec,
        region=region,
        profile=profile,
        endpoint_url=raw.get("endpoint_url"),
        concurrency=int(_number(raw, "concurrency", DEFAULT_CONCURRENCY, 1, True)),
        max_attempts=int(_number(raw, "max_attempts", DEFAULT_MAX_ATTEMPTS, 1, True)),
        retry_base_delay=_number(raw, "retry_base_delay", DEFAULT_RETRY_BASE_DELAY, 0, False),
        read_timeout=_number(raw, "read_timeout", DEFAULT_READ_TIMEOUT, 300, False),
        body={k: v for k, v in raw.items() if k in BODY_OPTIONS},
        base_dir=base_dir,
    )
