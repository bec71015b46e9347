"""What the account can use in a region, read from the Bedrock control plane.

``ListFoundationModels`` (image output, with ``modelLifecycle``) and
``ListInferenceProfiles`` say what is offered and active; the catalogue stays the source
of request formats and prices. The answers are a server's: every field is checked before
use, and lists are bounded.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from facebuild.backends.bedrock.catalog import ModelSpec
from facebuild.errors import BackendError

MAX_PAGES = 50
"""Pages of inference profiles read at most (a server that never stops paginating)."""
MAX_ITEMS = 2000


@dataclass(frozen=True)
class OfferedModel:
    """One image model as the account sees it in one region."""

    model_id: str
    name: str
    provider: str
    status: str
    """``ACTIVE`` or ``LEGACY``."""
    end_of_life: datetime | None
    inference_types: tuple[str, ...]
    """``ON_DEMAND``, ``PROVISIONED`` or ``INFERENCE_PROFILE`` (reachable through one only)."""


@dataclass(frozen=True)
class InferenceProfile:
    profile_id: str
    arn: str
    name: str
    kind: str
    models: tuple[str, ...]
    """The model ids it routes to (read from its model ARNs)."""


@dataclass(frozen=True)
class AccountOffer:
    region: str
    models: dict[str, OfferedModel]
    profiles: dict[str, InferenceProfile]

    def profiles_for(self, model_id: str) -> list[str]:
        return sorted(p.profile_id for p in self.profiles.values() if model_id in p.models)


def read_offer(region: str, profile: str | None = None,
               endpoint_url: str | None = None) -> AccountOffer:
    """The image models and inference profiles in ``region``; ``BackendError`` (one line)
    when the control plane cannot be reached or refuses."""
    boto3: Any = importlib.import_module("boto3")
    config_cls: Any = importlib.import_module("botocore.config").Config
    exceptions: Any = importlib.import_module("botocore.exceptions")
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        if session.get_credentials() is None:
            raise BackendError("no AWS credentials found (run `aws configure` or set AWS_PROFILE)")
        client = session.client("bedrock", endpoint_url=endpoint_url, config=config_cls(
            connect_timeout=5, read_timeout=30, retries={"total_max_attempts": 2, "mode": "standard"}))
        try:
            models = client.list_foundation_models(byOutputModality="IMAGE")
            profiles = _all_profiles(client)
        finally:
            client.close()
    except exceptions.ClientError as err:
        error = err.response.get("Error", {})
        code = str(error.get("Code", "error"))[:60]
        if code == "AccessDeniedException":
            raise BackendError(f"the Bedrock control plane in {region} refused: allow "
                               "bedrock:ListFoundationModels and bedrock:ListInferenceProfiles "
                               "to your AWS identity") from None
        message = _masked(" ".join(str(error.get("Message", "")).split())[:300])
        raise BackendError(f"the Bedrock control plane in {region} refused: {code}: {message}") from None
    except exceptions.BotoCoreError as err:
        raise BackendError(f"the Bedrock control plane in {region} cannot be reached: {err}") from None
    return AccountOffer(region, _models(models), _profiles(profiles))


def _masked(text: str) -> str:
    """AWS's words without ARNs or account ids (they name people and accounts)."""
    return re.sub(r"\b[0-9]{12}\b", "<account>", re.sub(r"arn:[^\s,;]+", "<arn>", text))


def _all_profiles(client: Any) -> list[Any]:
    found: list[Any] = []
    token: str | None = None
    for _ in range(MAX_PAGES):
        page = client.list_inference_profiles(**({"nextToken": token} if token else {}))
        found.extend(page.get("inferenceProfileSummaries") or [])
        token = page.get("nextToken")
        if not isinstance(token, str) or not token or len(found) > MAX_ITEMS:
            break
    return found


def _text(value: Any) -> str:
    return value[:200] if isinstance(value, str) else ""


def _models(answer: Any) -> dict[str, OfferedModel]:
    found: dict[str, OfferedModel] = {}
    summaries = answer.get("modelSummaries")
    for item in summaries[:MAX_ITEMS] if isinstance(summaries, list) else []:
        if not isinstance(item, dict) or not _text(item.get("modelId")):
            continue
        raw = item.get("modelLifecycle")
        lifecycle: dict[str, Any] = raw if isinstance(raw, dict) else {}
        end = lifecycle.get("endOfLifeTime")
        kinds = item.get("inferenceTypesSupported")
        found[item["modelId"]] = OfferedModel(
            model_id=_text(item["modelId"]), name=_text(item.get("modelName")),
            provider=_text(item.get("providerName")),
            status=_text(lifecycle.get("status")) or "ACTIVE",
            end_of_life=end if isinstance(end, datetime) else None,
            inference_types=tuple(_text(k) for k in kinds) if isinstance(kinds, list) else ())
    return found


def _profiles(items: list[Any]) -> dict[str, InferenceProfile]:
    found: dict[str, InferenceProfile] = {}
    for item in items[:MAX_ITEMS]:
        if not isinstance(item, dict) or not _text(item.get("inferenceProfileId")):
            continue
        arns = [m.get("modelArn") for m in item.get("models") or [] if isinstance(m, dict)]
        models = tuple(sorted({a.rpartition("/")[2] for a in arns if isinstance(a, str)}))
        found[item["inferenceProfileId"]] = InferenceProfile(
            profile_id=_text(item["inferenceProfileId"]), arn=_text(item.get("inferenceProfileArn")),
            name=_text(item.get("inferenceProfileName")), kind=_text(item.get("type")), models=models)
    return found


def offer_problems(spec: ModelSpec, offer: AccountOffer,
                   now: datetime | None = None) -> tuple[list[str], list[str]]:
    """(problems, warnings) for building with ``spec`` in the offer's region: a model or
    profile the account does not have there, or a model past its end of life."""
    now = now or datetime.now(UTC)
    region, listing = offer.region, f"`facebuild models --region {offer.region}` lists what is"
    problems: list[str] = []
    warnings: list[str] = []
    model_id = spec.base or spec.id
    if spec.base:  # an inference profile (id or ARN) or a foundation-model ARN
        tail = spec.id.rpartition("/")[2] if spec.id.startswith("arn:") else spec.id
        is_profile = ":foundation-model/" not in spec.id
        if is_profile and not any(tail == p.profile_id or spec.id == p.arn
                                  for p in offer.profiles.values()):
            problems.append(f"{spec.id} is not an inference profile of this account in {region}; "
                            + listing)
            return problems, warnings
    found = offer.models.get(model_id)
    if found is None:
        if not spec.base:
            problems.append(f"{model_id} is not offered to this account in {region}; {listing}")
        return problems, warnings
    if found.end_of_life is not None and found.end_of_life <= now:
        problems.append(f"{model_id} reached its end of life on {found.end_of_life:%Y-%m-%d}: "
                        f"requests to it fail; choose a current model ({listing})")
    elif found.status == "LEGACY":
        when = f" on {found.end_of_life:%Y-%m-%d}" if found.end_of_life else ""
        warnings.append(f"{model_id} is legacy in {region} and reaches its end of life{when}")
    if not spec.base and found.inference_types and "ON_DEMAND" not in found.inference_types:
        routes = offer.profiles_for(model_id)
        hint = f"use model {routes[0]}" if routes else listing
        problems.append(f"{model_id} is offered in {region} only through an inference profile: {hint}")
    return problems, warnings
