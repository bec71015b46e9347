"""The Bedrock control plane of the fake (``GET /foundation-models``, ``GET
/inference-profiles``), answering in the shapes of botocore's ``bedrock`` service model.

moto 5.2 implements neither call. The account below is what AWS's model-lifecycle and
supported-models pages say for 2026-11 (facts/bedrock.md §0): the three Stability models
on demand in us-west-2 only; Titan v2 and Nova Canvas legacy and past their end of life;
the Stability image services in us-east-1 reachable only through ``us.`` profiles. Tests
change it per case (``add_profile``, ``models``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCOUNT = "123456789012"


@dataclass
class FoundationModel:
    model_id: str
    provider: str
    status: str = "ACTIVE"
    legacy: str | None = None
    end_of_life: str | None = None
    inference_types: tuple[str, ...] = ("ON_DEMAND",)

    def summary(self, region: str) -> dict[str, Any]:
        lifecycle: dict[str, Any] = {"status": self.status}
        if self.legacy:
            lifecycle["legacyTime"] = self.legacy
        if self.end_of_life:
            lifecycle["endOfLifeTime"] = self.end_of_life
        return {
            "modelArn": f"arn:aws:bedrock:{region}::foundation-model/{self.model_id}",
            "modelId": self.model_id, "modelName": self.model_id.split(".")[1],
            "providerName": self.provider, "inputModalities": ["TEXT", "IMAGE"],
            "outputModalities": ["IMAGE"], "responseStreamingSupported": False,
            "customizationsSupported": [], "inferenceTypesSupported": list(self.inference_types),
            "modelLifecycle": lifecycle,
        }  # fmt: skip


@dataclass
class Profile:
    profile_id: str
    model_id: str
    regions: tuple[str, ...]

    def summary(self, region: str) -> dict[str, Any]:
        return {
            "inferenceProfileName": f"US {self.model_id}",
            "description": f"Routes requests to {self.model_id} in {', '.join(self.regions)}.",
            "createdAt": "2025-06-01T00:00:00Z", "updatedAt": "2025-06-01T00:00:00Z",
            "inferenceProfileArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:inference-profile/{self.profile_id}",
            "models": [{"modelArn": f"arn:aws:bedrock:{r}::foundation-model/{self.model_id}"}
                       for r in self.regions],
            "inferenceProfileId": self.profile_id, "status": "ACTIVE", "type": "SYSTEM_DEFINED",
        }  # fmt: skip


def _stability(model_id: str, types: tuple[str, ...] = ("ON_DEMAND",)) -> FoundationModel:
    return FoundationModel(model_id, "Stability AI", inference_types=types)


def _legacy(model_id: str, legacy: str, end: str) -> FoundationModel:
    return FoundationModel(model_id, "Amazon", "LEGACY", legacy, end)


@dataclass
class Account:
    """Per region: image models and inference profiles."""

    models: dict[str, list[FoundationModel]] = field(default_factory=lambda: {
        "us-west-2": [_stability("stability.stable-image-core-v1:1"),
                      _stability("stability.stable-image-ultra-v1:1"),
                      _stability("stability.sd3-5-large-v1:0"),
                      _legacy("amazon.titan-image-generator-v2:0", "2025-12-30T00:00:00Z",
                              "2026-06-30T00:00:00Z")],
        "us-east-1": [_legacy("amazon.titan-image-generator-v2:0", "2025-12-30T00:00:00Z",
                              "2026-06-30T00:00:00Z"),
                      _legacy("amazon.nova-canvas-v1:0", "2026-03-30T00:00:00Z",
                              "2026-09-30T00:00:00Z"),
                      _stability("stability.stable-image-inpaint-v1:0", ("INFERENCE_PROFILE",))],
    })  # fmt: skip
    profiles: dict[str, list[Profile]] = field(default_factory=lambda: {
        "us-east-1": [Profile("us.stability.stable-image-inpaint-v1:0",
                              "stability.stable-image-inpaint-v1:0",
                              ("us-east-1", "us-east-2", "us-west-2"))],
    })  # fmt: skip
    refusal: tuple[int, str, str] | None = None
    """(status, error type, message) every control-plane call answers, when set."""
    page_size: int = 2
    """Inference profiles per page when the caller gives no maxResults (the real default
    is not documented; a small one makes callers paginate)."""

    def add_profile(self, region: str, profile_id: str, model_id: str,
                    regions: tuple[str, ...] = ("us-east-1", "us-east-2", "us-west-2")) -> None:
        self.profiles.setdefault(region, []).append(Profile(profile_id, model_id, regions))

    def routed_model(self, region: str, model_id: str) -> str | None:
        """The model an inference-profile id or ARN of this region routes to."""
        tail = model_id.rpartition("inference-profile/")[2]
        for profile in self.profiles.get(region, []):
            if tail == profile.profile_id:
                return profile.model_id
        return None

    def answer(self, path: str, region: str) -> tuple[int, str, dict[str, Any]]:
        """(status, error type, body) for a GET of the control plane."""
        if self.refusal is not None:
            status, kind, message = self.refusal
            return status, kind, {"message": message}
        url = urlsplit(path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/foundation-models":
            modality = query.get("byOutputModality")
            if modality not in (None, "TEXT", "IMAGE", "EMBEDDING"):
                return 400, "ValidationException", {"message": f"invalid byOutputModality {modality}"}
            models = self.models.get(region, []) if modality in (None, "IMAGE") else []
            return 200, "", {"modelSummaries": [m.summary(region) for m in models]}
        if url.path == "/inference-profiles":
            return self._profiles(region, query)
        return 404, "UnknownOperationException", {"message": url.path}

    def _profiles(self, region: str, query: dict[str, str]) -> tuple[int, str, dict[str, Any]]:
        size = query.get("maxResults", str(self.page_size))
        start = query.get("nextToken", "0")
        if not re.fullmatch(r"[0-9]+", size) or not 1 <= int(size) <= 1000:
            return 400, "ValidationException", {"message": "maxResults must be 1..1000"}
        if not re.fullmatch(r"[0-9]+", start):
            return 400, "ValidationException", {"message": "invalid nextToken"}
        kind = query.get("type", "SYSTEM_DEFINED")
        everything = self.profiles.get(region, []) if kind == "SYSTEM_DEFINED" else []
        page = everything[int(start):int(start) + int(size)]
        body: dict[str, Any] = {"inferenceProfileSummaries": [p.summary(region) for p in page]}
        if int(start) + int(size) < len(everything):
            body["nextToken"] = str(int(start) + int(size))
        return 200, "", body


def signed_region(authorization: str) -> str:
    """The region of a SigV4 ``Authorization`` header's credential scope."""
    found = re.search(r"Credential=[^/]+/[0-9]{8}/([a-z0-9-]+)/", authorization or "")
    return found.group(1) if found else "us-east-1"
