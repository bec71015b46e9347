"""boto3 for the Bedrock backend: session and credentials, calls, retries, error mapping.

boto3 and botocore are imported here, lazily, and nowhere else. botocore's own retries are
off: this module retries throttling and transient errors itself, with exponential backoff
and jitter, through an adaptive limit, so the counters below are exact.
"""

from __future__ import annotations

import importlib
import os
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from facebuild.backends.bedrock.catalog import ModelSpec
from facebuild.backends.bedrock.config import BedrockConfig, profile_missing
from facebuild.backends.bedrock.limiter import POLL_SECONDS, AdaptiveLimit, Cancelled
from facebuild.errors import BackendError, ContentFilteredError

NO_CREDENTIALS = (
    "no AWS credentials found: run `aws configure`, or `aws sso login --profile NAME` and set "
    "backend.profile, or set AWS_PROFILE"
)
THROTTLING = {"ThrottlingException", "ModelNotReadyException", "TooManyRequestsException"}
TRANSIENT = THROTTLING | {"InternalServerException", "ServiceUnavailableException"}
MAX_BACKOFF = 30.0


def _botocore_exceptions() -> Any:
    return importlib.import_module("botocore.exceptions")


def make_client(cfg: BedrockConfig) -> Any:
    """A ``bedrock-runtime`` client with checked credentials; one-line ``BackendError`` if not."""
    boto3: Any = importlib.import_module("boto3")
    config_cls: Any = importlib.import_module("botocore.config").Config
    exc = _botocore_exceptions()
    profile = cfg.profile
    try:
        session = boto3.Session(profile_name=profile, region_name=cfg.region)
        credentials = session.get_credentials()
        if credentials is None:
            raise BackendError(NO_CREDENTIALS)
        credentials.get_frozen_credentials()  # an expired SSO login fails here, not mid-build
    except exc.ProfileNotFound as err:
        raise BackendError(profile_missing(str(err.kwargs.get("profile")))) from None
    except (
        exc.SSOError,
        exc.SSOTokenLoadError,
        exc.UnauthorizedSSOTokenError,
        exc.TokenRetrievalError,
    ):
        name = profile or os.environ.get("AWS_PROFILE") or "NAME"
        raise BackendError(f"the AWS SSO login has expired: run `aws sso login --profile {name}`") from None
    except exc.BotoCoreError as err:
        raise BackendError(f"cannot load AWS credentials: {err}") from None
    config = config_cls(
        read_timeout=cfg.read_timeout,
        connect_timeout=20,
        retries={"total_max_attempts": 1, "mode": "standard"},
        max_pool_connections=max(10, cfg.concurrency),
    )
    return session.client("bedrock-runtime", endpoint_url=cfg.endpoint_url, config=config)


@dataclass
class CallStats:
    """What the backend did, for tests and the build report."""

    calls: int = 0
    """HTTP calls made to invoke_model (attempts, not renders)."""
    throttles: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


def _eol_hint(spec: ModelSpec) -> str:
    if spec.lifecycle != "end-of-life":
        return ""
    return f" ({spec.id} is past end of life: AWS may refuse every call; try model: core)"


def _code_status(err: Any) -> tuple[str, int]:
    """The error code and HTTP status of a botocore ``ClientError``."""
    code = str(err.response.get("Error", {}).get("Code", "Unknown"))
    return code, int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def map_client_error(err: Any, spec: ModelSpec, region: str) -> BackendError:
    """One line for a botocore ``ClientError``."""
    code, status = _code_status(err)
    message = " ".join(str(err.response.get("Error", {}).get("Message", "")).split()) or "no message"
    if "content filters" in message.lower():
        return ContentFilteredError(f"content filtered by {spec.id}: {message}", reason=message)
    if code == "AccessDeniedException" or status == 403:
        return BackendError(
            f"access denied to {spec.id} in {region}: model access is probably not enabled in "
            f"{region}; enable it in the Bedrock console → Model access (region {region}) and "
            f"check that IAM allows bedrock:InvokeModel (AWS: {message}){_eol_hint(spec)}"
        )
    if code == "ValidationException":
        return BackendError(f"{spec.id} rejected the request: {message}{_eol_hint(spec)}")
    if code == "ResourceNotFoundException":
        return BackendError(f"{spec.id} not found in {region}: {message}{_eol_hint(spec)}")
    if code == "ModelTimeoutException":
        return BackendError(f"{spec.id} timed out making the image: {message}", retryable=True)
    if code in TRANSIENT or status == 429 or status >= 500:
        return BackendError(f"Bedrock kept failing ({code}): {message}", retryable=True)
    return BackendError(f"Bedrock {code} for {spec.id}: {message}")


class Caller:
    """Makes one invoke_model call, retrying transient failures within the adaptive limit."""

    def __init__(
        self,
        client: Any,
        cfg: BedrockConfig,
        limit: AdaptiveLimit,
        cancelled: threading.Event,
        stats: CallStats,
    ) -> None:
        self.client, self.cfg, self.limit = client, cfg, limit
        self.cancelled, self.stats = cancelled, stats

    def call(self, body: bytes) -> bytes:
        """The raw response body. Raises a one-line ``BackendError``."""
        exc = _botocore_exceptions()
        spec = self.cfg.spec
        for attempt in range(1, self.cfg.max_attempts + 1):
            with self.limit.slot(self.cancelled) as epoch:
                self.stats.add("calls")
                try:
                    raw = self._invoke(body)
                except exc.ClientError as err:
                    code, status = _code_status(err)
                    failure = map_client_error(err, spec, self.cfg.region)
                    if code in THROTTLING or status == 429:
                        self.stats.add("throttles")
                        self.limit.throttled(epoch)
                    elif code not in TRANSIENT and status < 500:
                        raise failure from None
                except (exc.EndpointConnectionError, exc.ConnectionClosedError) as err:
                    failure = BackendError(f"cannot reach Bedrock: {err}", retryable=True)
                except exc.ReadTimeoutError:
                    raise BackendError(
                        f"no answer from Bedrock within {self.cfg.read_timeout:g} s", retryable=True
                    ) from None
                except exc.NoCredentialsError:
                    raise BackendError(NO_CREDENTIALS) from None
                except exc.BotoCoreError as err:
                    raise BackendError(f"Bedrock call failed: {err}", retryable=True) from None
                else:
                    self.limit.succeeded()
                    return raw
            if attempt < self.cfg.max_attempts:
                self.stats.add("retries")
                delay = min(MAX_BACKOFF, self.cfg.retry_base_delay * 2 ** (attempt - 1))
                if self.cancelled.wait(delay * random.uniform(0.5, 1.0)):
                    raise Cancelled()
        failure.message += f" (gave up after {self.cfg.max_attempts} attempts)"
        raise BackendError(failure.message, retryable=True)

    def _invoke(self, body: bytes) -> bytes:
        """invoke_model in a daemon thread, so that ``cancel`` need not wait for it."""
        box: list[Any] = []
        done = threading.Event()

        def run() -> None:
            try:
                response = self.client.invoke_model(
                    modelId=self.cfg.spec.id,
                    body=body,
                    contentType="application/json",
                    accept="application/json",
                )
                with response["body"] as stream:
                    box.append(stream.read())
            except BaseException as err:  # handed to the waiting thread
                box.append(err)
            finally:
                done.set()

        threading.Thread(target=run, name="bedrock-invoke", daemon=True).start()
        while not done.wait(POLL_SECONDS):
            if self.cancelled.is_set():
                raise BackendError("cancelled; the Bedrock call in flight was abandoned")
        if isinstance(box[0], BaseException):
            raise box[0]
        return bytes(box[0])
