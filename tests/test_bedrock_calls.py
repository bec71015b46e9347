"""The Bedrock backend's calls against the fake runtime: retries, the adaptive limit, errors
mapped to one line, cancel. Calls are counted at the fake."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fake_bedrock import FakeBedrock, Make, fake_fixture, make_fixture  # noqa: F401

from facebuild.backends.base import RenderRequest
from facebuild.backends.bedrock import BedrockBackend
from facebuild.backends.bedrock.limiter import AdaptiveLimit
from facebuild.errors import BackendError, ContentFilteredError

REQUEST = RenderRequest("a knight in brass armour", "blurry", 42, 1024, 1024)


def test_throttling_is_retried_with_backoff_and_counted(fake: FakeBedrock, make: Make) -> None:
    fake.throttle_first = 3
    backend = make(concurrency=4)
    assert backend.generate(REQUEST)
    assert len(fake.calls) == 4
    assert backend.counters() == {  # each retry starts a new epoch: halved three times, then +0
        "calls": 4, "throttles": 3, "retries": 3, "limit": 1, "lowest_limit": 1, "peak_in_flight": 1
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["not_ready", "unavailable"])
def test_transient_errors_are_retried(fake: FakeBedrock, make: Make, kind: str) -> None:
    fake.fail_next(kind, kind)
    backend = make()
    assert backend.generate(REQUEST)
    assert len(fake.calls) == 3


def test_giving_up_after_max_attempts_says_so(fake: FakeBedrock, make: Make) -> None:
    fake.throttle_first = 100
    with pytest.raises(BackendError) as caught:
        make(max_attempts=3).generate(REQUEST)
    assert len(fake.calls) == 3
    assert caught.value.retryable
    assert str(caught.value) == (
        "Bedrock kept failing (ThrottlingException): Too many requests, please wait before "
        "trying again. (gave up after 3 attempts)"
    )


def test_adaptive_limit_lowers_calls_in_flight_and_recovers(fake: FakeBedrock, make: Make) -> None:
    backend = make(concurrency=4)
    fake.delay = 0.25  # long enough that 4 calls overlap even on a loaded machine
    with ThreadPoolExecutor(8) as pool:  # the core's workers: more than the backend allows
        assert all(pool.map(backend.generate, [REQUEST] * 8))
    assert fake.peak_in_flight == 4 and backend.stats.throttles == 0

    fake.calls.clear()
    fake.peak_in_flight = 0
    fake.throttle_first = 4  # the first burst is throttled
    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(backend.generate, [REQUEST] * 24))
    assert len(fake.calls) == 24 + 4
    assert backend.stats.throttles == 4
    assert backend.limit.peak_in_flight <= 4 and fake.peak_in_flight <= 4
    assert backend.limit.lowest == 2  # halved once for the whole burst
    assert backend.limit.limit == 4  # and grown again, one call per 4 successes


def test_limit_halves_once_per_burst_and_grows_after_successes() -> None:
    limit = AdaptiveLimit(8, grow_after=2)
    never = threading.Event()
    with limit.slot(never) as first, limit.slot(never) as second:
        limit.throttled(first)
        limit.throttled(second)  # same burst: not halved twice
    assert limit.limit == 4
    with limit.slot(never) as third:
        limit.throttled(third)
    assert limit.limit == 2
    for _ in range(4):
        limit.succeeded()
    assert limit.limit == 4
    for _ in range(20):
        limit.succeeded()
    assert limit.limit == 8


@pytest.mark.parametrize(
    ("model", "kind", "message"),
    [
        ("core", "access_denied",
         "access denied to stability.stable-image-core-v1:1 in us-west-2: model access is "
         "probably not enabled in us-west-2; enable it in the Bedrock console → Model access "
         "(region us-west-2) and check that IAM allows bedrock:InvokeModel (AWS: You don't "
         "have access to the model with the specified model ID.)"),
        ("core", "validation", "stability.stable-image-core-v1:1 rejected the request: "
         "Malformed input request, please reformat."),
        ("core", "timeout", "stability.stable-image-core-v1:1 timed out making the image: "
         "Model has timed out in processing the request."),
        ("titan", "eol", "amazon.titan-image-generator-v2:0 not found in us-west-2: This model "
         "version has reached the end of its life. (amazon.titan-image-generator-v2:0 is past "
         "end of life: AWS may refuse every call; try model: core)"),
    ],
)  # fmt: skip
def test_other_errors_are_one_line_and_not_retried(
    fake: FakeBedrock, make: Make, model: str, kind: str, message: str
) -> None:
    fake.fail_next(kind)
    with pytest.raises(BackendError) as caught:
        make(model=model, region="us-west-2").generate(REQUEST)
    assert str(caught.value) == message
    assert not isinstance(caught.value, ContentFilteredError)
    assert len(fake.calls) == 1


def test_fake_rejects_what_bedrock_rejects(fake: FakeBedrock) -> None:
    """The fake's schema check is real: a Titan size outside its list is refused like AWS does."""
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    body = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a"},
            "imageGenerationConfig": {"width": 1280, "height": 720}}  # fmt: skip
    with pytest.raises(ClientError) as caught:
        client.invoke_model(modelId="amazon.titan-image-generator-v2:0", body=json.dumps(body),
                            contentType="application/json", accept="application/json")  # fmt: skip
    client.close()
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "Value of (width, height) is not valid. Given: (1280, 720)" in str(caught.value)


def test_no_call_when_check_fails(fake: FakeBedrock, make: Make) -> None:
    backend = make(model="titan", region="us-west-2")
    request = RenderRequest("x" * 734, "", 5, 512, 512)
    assert backend.check(request) == [
        "prompt is 734 characters, 222 over the 512 limit of amazon.titan-image-generator-v2:0"
    ]
    with pytest.raises(BackendError, match="222 over the 512 limit"):
        backend.generate(request)
    with pytest.raises(BackendError, match="0 means random"):
        make().generate(RenderRequest("a knight", "", 0, 1024, 1024))
    assert fake.calls == []


def test_cancel_makes_waiting_and_running_calls_give_up(fake: FakeBedrock, make: Make) -> None:
    backend = make(concurrency=1)
    fake.delay = 10.0  # released when the fake stops
    errors: list[BaseException] = []

    def run() -> None:
        try:
            backend.generate(REQUEST)
        except BackendError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]  # one runs, two wait
    for thread in threads:
        thread.start()
    while not fake.calls:
        time.sleep(0.01)
    started = time.monotonic()
    backend.cancel()
    for thread in threads:
        thread.join(5)
    assert time.monotonic() - started < 3.0  # not the call's 10 s, on a busy machine too
    assert len(errors) == 3 and len(fake.calls) == 1
    assert any("in flight was abandoned" in str(e) for e in errors)
    assert any("cancelled before the Bedrock call" in str(e) for e in errors)


def test_cancel_interrupts_a_backoff(fake: FakeBedrock, make: Make) -> None:
    fake.throttle_first = 100
    backend = make(retry_base_delay=30.0)
    backend.preflight()
    errors: list[BackendError] = []
    thread = threading.Thread(target=lambda: errors.extend(_failure(backend)))
    thread.start()
    while not fake.calls:
        time.sleep(0.01)
    started = time.monotonic()
    backend.cancel()
    thread.join(5)
    assert time.monotonic() - started < 3.0 and len(fake.calls) == 1  # not the 30 s backoff
    assert [str(e) for e in errors] == ["cancelled before the Bedrock call was made"]


def _failure(backend: BedrockBackend) -> list[BackendError]:
    try:
        backend.generate(REQUEST)
    except BackendError as exc:
        return [exc]
    return []
