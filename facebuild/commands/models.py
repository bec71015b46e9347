"""facebuild models: the Bedrock image models the account can use in a region, read from
the control plane at run time, each marked with what facebuild's catalogue knows."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from facebuild.backends.bedrock.account import AccountOffer, OfferedModel, read_offer
from facebuild.backends.bedrock.catalog import MODELS, ModelSpec, default_model_for
from facebuild.backends.bedrock.config import ambient_region, no_default_model, resolve_model
from facebuild.errors import FacebuildError, UsageError

REFERENCE_MODES = {"image": "image-to-image", "images": "variation", "colors": "palette"}


def models(*, region: str | None = None, profile: str | None = None, as_json: bool = False) -> int:
    """List the image models the account can use in ``region`` (default: the AWS
    profile's)."""
    region = region or ambient_region(None, profile or os.environ.get("AWS_PROFILE"))
    if not region:
        raise UsageError("no AWS region: pass --region (Bedrock's current image models are "
                         "offered on demand in us-west-2), or set AWS_REGION")
    offer = read_offer(region, profile)
    rows = rows_of(offer, datetime.now(UTC))
    if as_json:
        print(json.dumps({"region": region, "models": rows}, indent=2))
        return 0
    print(f"image models your account can see in {region} (state from AWS; format and "
          "price from facebuild's catalogue)")
    width = max((len(r["id"]) for r in rows), default=10)
    for row in rows:
        print(f"  {row['id']:<{width}}  {row['state']:<28}  {row['call']:<12}   {_known(row)}")
    if not rows:
        print("  (none)")
    print(_default_line(region, rows))
    return 0


def _default_line(region: str, rows: list[dict[str, Any]]) -> str:
    default = default_model_for(region)
    if default is not None:
        return f"default model here: {default.id}"
    usable = [r["id"] for r in rows if r["kind"] == "inference profile" and r["family"]
              and r["state"] == "ACTIVE"]
    if usable:
        return (f"no model is offered on demand here: name one of your inference profiles "
                f"as the model, e.g. {usable[0]}")
    return f"no default here: {_why(region)}"


def rows_of(offer: AccountOffer, now: datetime) -> list[dict[str, Any]]:
    """One row per model and per inference profile, in that order."""
    rows = []
    for model in sorted(offer.models.values(), key=lambda m: m.model_id):
        on_demand = not model.inference_types or "ON_DEMAND" in model.inference_types
        rows.append({"id": model.model_id, "kind": "model", "state": _state(model, now),
                     "call": "on demand" if on_demand else "profile only",
                     "routes_to": None, **_catalogue(MODELS.get(model.model_id))})
    for profile in sorted(offer.profiles.values(), key=lambda p: p.profile_id):
        spec = _spec(profile.profile_id)
        base = offer.models.get(profile.models[0]) if profile.models else None
        rows.append({"id": profile.profile_id, "kind": "inference profile",
                     "state": _state(base, now) if base else "ACTIVE",
                     "call": "profile", "routes_to": list(profile.models), **_catalogue(spec)})
    return rows


def _state(model: OfferedModel | None, now: datetime) -> str:
    if model is None:
        return "ACTIVE"
    end = model.end_of_life
    if end is not None and end <= now:
        return f"END OF LIFE since {end:%Y-%m-%d}"
    if model.status == "LEGACY":
        return f"LEGACY, ends {end:%Y-%m-%d}" if end else "LEGACY"
    return model.status


def _spec(model_id: str) -> ModelSpec | None:
    try:
        return resolve_model(model_id)
    except FacebuildError:
        return None


def _catalogue(spec: ModelSpec | None) -> dict[str, Any]:
    if spec is None:
        return {"family": None, "price": None, "sizes": None, "references": []}
    if spec.sizes is None:
        sizes = f"any {spec.min_side}-{spec.max_side} px"
    else:
        sizes = f"{len(spec.sizes)} sizes, {spec.min_side}-{spec.max_side} px"
    references = [mode for option, mode in REFERENCE_MODES.items() if option in spec.options]
    return {"family": spec.family, "price": spec.price, "sizes": sizes, "references": references}


def _known(row: dict[str, Any]) -> str:
    if row["family"] is None:
        return "not in facebuild's catalogue (cannot build with it)"
    refs = ", ".join(row["references"]) or "text only"
    return f"{row['family']}, ${row['price']:.3f}/image, {row['sizes']}, {refs}"


def _why(region: str) -> str:
    return no_default_model(region).hint or ""
