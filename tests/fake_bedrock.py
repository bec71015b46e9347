"""A fake Amazon Bedrock runtime over real HTTP on 127.0.0.1, for the Bedrock backend tests.

It speaks ``POST /model/{modelId}/invoke`` like bedrock-runtime: it checks every request body
against the family's documented schema and limits (written here from the AWS documentation,
independently of facebuild's catalogue, so that the two check each other), rejects like
Bedrock (HTTP 400 and ``x-amzn-ErrorType: ValidationException:...``), and answers with base64
PNG images whose size is the requested or documented one and whose colour depends on the seed.
Failures are scripted: ``throttle_first``, ``fail_next`` and prompts containing ``FORBIDDEN``.
The control plane (``ListFoundationModels``, ``ListInferenceProfiles``) is in
``fake_bedrock_control``; an inference profile is invoked only where the account has it.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fake_bedrock_control import Account, signed_region
from PIL import Image

from facebuild.backends.bedrock import BedrockBackend

Make = Callable[..., BedrockBackend]
"""``make(**backend_options)``: a Bedrock backend, closed after the test."""
FILTER_WORD = "FORBIDDEN"
CONTENT_FILTER_MESSAGE = (
    "This request has been blocked by our content filters. "
    "Please adjust your text prompt to submit a new request."
)
ERRORS: dict[str, tuple[int, str, str]] = {
    "throttle": (429, "ThrottlingException", "Too many requests, please wait before trying again."),
    "not_ready": (429, "ModelNotReadyException", "Model is not ready to serve inference requests."),
    "unavailable": (503, "ServiceUnavailableException", "Service Unavailable"),
    "access_denied": (403, "AccessDeniedException",
                      "You don't have access to the model with the specified model ID."),
    "validation": (400, "ValidationException", "Malformed input request, please reformat."),
    "timeout": (408, "ModelTimeoutException", "Model has timed out in processing the request."),
    "eol": (404, "ResourceNotFoundException",
            "This model version has reached the end of its life."),
}  # fmt: skip


def seed_color(seed: int) -> tuple[int, int, int]:
    return (seed * 37 % 256, seed * 101 % 256, seed * 211 % 256)


def png(width: int, height: int, seed: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), seed_color(seed)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass
class Call:
    model: str
    body: dict[str, Any]
    headers: dict[str, str]


class FakeBedrock:
    """Start with ``with FakeBedrock() as fake:``; point boto3 at it with ``install``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.throttle_first = 0
        self.queue: deque[str] = deque()
        self.delay = 0.0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.account = Account()
        self.control_calls: list[tuple[str, str]] = []
        """(path with query, region) of every control-plane call."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail_next(self, *kinds: str) -> None:
        """The next calls fail with these ``ERRORS`` kinds (or "empty", "garbage"), in order."""
        self.queue.extend(kinds)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        dummy_credentials(monkeypatch)
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", self.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", self.url)

    def __enter__(self) -> FakeBedrock:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def answer(self, model: str, body: Any, region: str = "us-west-2") -> tuple[int, str, dict[str, Any]]:
        """(status, error type or "", JSON answer) for one call."""
        model = self.account.routed_model(region, model) or model
        if model.startswith("arn:") and ":foundation-model/" in model:
            model = model.rpartition("/")[2]
        with self.lock:
            if len(self.calls) <= self.throttle_first:
                return (*ERRORS["throttle"][:2], {"message": ERRORS["throttle"][2]})
            scripted = self.queue.popleft() if self.queue else None
        if scripted == "empty":
            return 200, "", {}
        if scripted == "garbage":
            return 200, "", {"images": ["this is not base64 PNG"]}
        if scripted in ERRORS:
            status, kind, message = ERRORS[scripted]
            return status, kind, {"message": message}
        try:
            family = validate(model, body)
        except Invalid as exc:
            return 400, "ValidationException", {"message": str(exc)}
        if family in ("titan", "nova") and FILTER_WORD in json.dumps(body):
            return 400, "ValidationException", {"message": CONTENT_FILTER_MESSAGE}
        return 200, "", _success(family, body)


def _success(family: str, body: dict[str, Any]) -> dict[str, Any]:
    width, height = image_size(family, body)
    if family == "stability":
        if FILTER_WORD in body["prompt"]:
            return {"seeds": [body["seed"]], "finish_reasons": ["Filter reason: prompt"]}
        image = png(width, height, body["seed"])
        return {"seeds": [body["seed"]], "finish_reasons": [None], "images": [image]}
    if family == "sdxl":
        seed = body["seed"]
        if FILTER_WORD in body["text_prompts"][0]["text"]:
            return {"result": "success", "artifacts": [
                {"seed": seed, "base64": png(width, height, 0), "finishReason": "CONTENT_FILTERED"}
            ]}  # fmt: skip
        artifact = {"seed": seed, "base64": png(width, height, seed), "finishReason": "SUCCESS"}
        return {"result": "success", "artifacts": [artifact]}
    config = body.get("imageGenerationConfig", {})
    return {"images": [png(width, height, config.get("seed", 12))]}


def _handler(fake: FakeBedrock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = self.path.split("/")
            if len(parts) != 4 or parts[1] != "model" or parts[3] != "invoke":
                return self._send(404, "UnknownOperationException", {"message": self.path})
            if self.headers.get("Content-Type") != "application/json":
                return self._send(400, "ValidationException", {"message": "bad contentType"})
            try:
                body = json.loads(raw)
            except ValueError:
                return self._send(400, "ValidationException", {"message": "Malformed input"})
            model = unquote(parts[2])
            with fake.lock:
                fake.calls.append(Call(model, body, dict(self.headers)))
                fake.in_flight += 1
                fake.peak_in_flight = max(fake.peak_in_flight, fake.in_flight)
            try:
                fake.release.wait(fake.delay)
                answer = fake.answer(model, body, signed_region(self.headers.get("Authorization", "")))
            finally:  # before answering: the client may start its next call at once
                with fake.lock:
                    fake.in_flight -= 1
            self._send(*answer)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            region = signed_region(self.headers.get("Authorization", ""))
            with fake.lock:
                fake.control_calls.append((self.path, region))
            self._send(*fake.account.answer(self.path, region))

        def _send(self, status: int, kind: str, answer: dict[str, Any]) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if kind:
                self.send_header(
                    "x-amzn-ErrorType",
                    f"{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/",
                )
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


# --- The documented request schemas (facts/bedrock.md §2-7), written independently. ---


class Invalid(Exception):
    """A body Bedrock would reject with ValidationException."""


@dataclass(frozen=True)
class Model:
    family: str  # stability, sdxl, titan, nova
    seed_max: int
    modes: tuple[str, ...] = ()  # Stability "mode" values; () = no mode field
    i2i: bool = False
    tasks: tuple[str, ...] = ()


TITAN_TASKS = ("TEXT_IMAGE", "IMAGE_VARIATION", "COLOR_GUIDED_GENERATION")
MODELS = {
    "stability.stable-image-core-v1:1": Model("stability", 4294967295),
    "stability.stable-image-ultra-v1:1": Model("stability", 4294967295, ("text-to-image",), True),
    "stability.sd3-5-large-v1:0": Model("stability", 4294967294, ("text-to-image", "image-to-image"), True),
    "stability.stable-diffusion-xl-v1": Model("sdxl", 4294967295),
    "amazon.titan-image-generator-v2:0": Model("titan", 2147483646, tasks=TITAN_TASKS),
    "amazon.titan-image-generator-v1": Model("titan", 2147483646, tasks=TITAN_TASKS[:2]),
    "amazon.nova-canvas-v1:0": Model("nova", 2147483646, tasks=TITAN_TASKS),
}
ASPECTS = {  # Stability's own mapping [STAB-KB]
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "21:9": (1536, 640),
    "2:3": (832, 1216),
    "3:2": (1216, 832),
    "4:5": (896, 1088),
    "5:4": (1088, 896),
    "9:16": (768, 1344),
    "9:21": (640, 1536),
}
TITAN_SIZES = {
    (1024, 1024),
    (768, 768),
    (512, 512),
    (768, 1152),
    (384, 576),
    (1152, 768),
    (576, 384),
    (768, 1280),
    (384, 640),
    (1280, 768),
    (640, 384),
    (896, 1152),
    (448, 576),
    (1152, 896),
    (576, 448),
    (768, 1408),
    (384, 704),
    (1408, 768),
    (704, 384),
    (640, 1408),
    (320, 704),
    (1408, 640),
    (704, 320),
    (1152, 640),
    (1173, 640),
}
SDXL_SIZES = {
    (1024, 1024),
    (1152, 896),
    (1216, 832),
    (1344, 768),
    (1536, 640),
    (640, 1536),
    (768, 1344),
    (832, 1216),
    (896, 1152),
}
NOVA_STYLES = {
    "3D_ANIMATED_FAMILY_FILM",
    "DESIGN_SKETCH",
    "FLAT_VECTOR_ILLUSTRATION",
    "GRAPHIC_NOVEL_ILLUSTRATION",
    "MAXIMALISM",
    "MIDCENTURY_RETRO",
    "PHOTOREALISM",
    "SOFT_DIGITAL_PAINTING",
}
SDXL_STYLES = {
    "3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art", "enhance",
    "fantasy-art", "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk",
    "origami", "photographic", "pixel-art", "tile-texture",
}  # fmt: skip


def _check(ok: bool, where: str, message: str) -> None:
    if not ok:
        raise Invalid(f"Malformed input request: #{where}: {message}, please reformat your input")


def _keys(obj: Any, allowed: set[str], where: str) -> dict[str, Any]:
    _check(isinstance(obj, dict), where, "expected type: JSONObject")
    extra = sorted(set(obj) - allowed)
    _check(not extra, where, f"extraneous key [{extra[0] if extra else ''}] is not permitted")
    return dict(obj)


def _text(obj: dict[str, Any], key: str, low: int, high: int, where: str) -> None:
    if key in obj:
        value = obj[key]
        _check(isinstance(value, str), f"{where}/{key}", "expected type: String")
        _check(len(value) >= low, f"{where}/{key}", f"expected minLength: {low}")
        _check(len(value) <= high, f"{where}/{key}",
               f"expected maxLength: {high}, actual: {len(value)}")  # fmt: skip


def _number(obj: dict[str, Any], key: str, low: float, high: float, where: str,
            whole: bool = False) -> None:  # fmt: skip
    if key in obj:
        value = obj[key]
        kinds = (int,) if whole else (int, float)
        ok = isinstance(value, kinds) and not isinstance(value, bool) and low <= value <= high
        _check(ok, f"{where}/{key}", f"{value!r} is not in [{low}, {high}]")


def _image(value: Any, where: str) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(base64.b64decode(value, validate=True))) as img:
            return img.size
    except Exception:  # noqa: BLE001 - anything undecodable is a validation error
        raise Invalid(f"Malformed input request: #{where}: invalid image") from None


def validate(model_id: str, body: Any) -> str:
    """The family of ``model_id``; raises ``Invalid`` where Bedrock would answer 400."""
    model = MODELS.get(model_id)
    if model is None:
        raise Invalid("The provided model identifier is invalid.")
    if model.family == "stability":
        _stability(model, body)
    elif model.family == "sdxl":
        _sdxl(body)
    else:
        _amazon(model, body)
    return model.family


def _stability(model: Model, body: Any) -> None:
    allowed = {"prompt", "negative_prompt", "aspect_ratio", "seed", "output_format"}
    allowed |= ({"mode"} if model.modes else set()) | ({"image", "strength"} if model.i2i else set())
    body = _keys(body, allowed, "")
    _check("prompt" in body, "", "required key [prompt] not found")
    _text(body, "prompt", 0, 10_000, "")
    _text(body, "negative_prompt", 0, 10_000, "")
    _number(body, "seed", 0, model.seed_max, "", whole=True)
    _check(body.get("aspect_ratio", "1:1") in ASPECTS, "/aspect_ratio", "not a valid enum value")
    _check(body.get("output_format", "png") in ("png", "jpeg"), "/output_format", "bad enum")
    mode = body.get("mode", "text-to-image")
    _check(not model.modes or mode in model.modes, "/mode", f"{mode!r} is not a valid enum value")
    if mode == "image-to-image" or (model.i2i and "image" in body):
        _check("image" in body and "strength" in body, "", "image-to-image needs image, strength")
        _check("aspect_ratio" not in body, "/aspect_ratio", "only for text-to-image")
        _check(min(_image(body["image"], "/image")) >= 64, "/image", "sides must be >= 64")
        _number(body, "strength", 0, 1, "")
    if "image" in body and len(model.modes) == 2:
        _check(mode == "image-to-image", "/mode", "image needs mode image-to-image")


def _sdxl(body: Any) -> None:
    allowed = {"text_prompts", "cfg_scale", "height", "width", "clip_guidance_preset", "sampler",
               "samples", "seed", "steps", "style_preset", "extras"}  # fmt: skip
    body = _keys(body, allowed, "")
    prompts = body.get("text_prompts")
    _check(isinstance(prompts, list) and bool(prompts), "/text_prompts", "required, non-empty")
    for i, item in enumerate(prompts):
        item = _keys(item, {"text", "weight"}, f"/text_prompts/{i}")
        _text(item, "text", 0, 2000, f"/text_prompts/{i}")
        _number(item, "weight", -10, 10, f"/text_prompts/{i}")
    _number(body, "cfg_scale", 0, 35, "")
    _number(body, "seed", 0, 4294967295, "", whole=True)
    _number(body, "steps", 10, 50, "", whole=True)
    _number(body, "samples", 1, 1, "", whole=True)
    size = (body.get("width", 1024), body.get("height", 1024))
    _check(size in SDXL_SIZES, "/width", f"{size} is not an allowed size")
    _check(body.get("style_preset", "anime") in SDXL_STYLES, "/style_preset", "bad enum")


def _amazon(model: Model, body: Any) -> None:
    limit = 1024 if model.family == "nova" else 512
    params_key = {"TEXT_IMAGE": "textToImageParams", "IMAGE_VARIATION": "imageVariationParams",
                  "COLOR_GUIDED_GENERATION": "colorGuidedGenerationParams"}  # fmt: skip
    task = body.get("taskType") if isinstance(body, dict) else None
    _check(task in model.tasks, "/taskType", f"{task!r} is not a valid enum value")
    key = params_key[str(task)]
    body = _keys(body, {"taskType", key, "imageGenerationConfig"}, "")
    allowed = {"text", "negativeText"} | {
        "TEXT_IMAGE": {"style"} if model.family == "nova" else set(),
        "IMAGE_VARIATION": {"images", "similarityStrength"},
        "COLOR_GUIDED_GENERATION": {"colors", "referenceImage"},
    }[str(task)]
    params = _keys(body.get(key), allowed, f"/{key}")
    _check(task == "IMAGE_VARIATION" or "text" in params, f"/{key}", "required key [text]")
    _text(params, "text", 1, limit, f"/{key}")
    _text(params, "negativeText", 1, limit, f"/{key}")
    _check(params.get("style", "PHOTOREALISM") in NOVA_STYLES, f"/{key}/style", "bad enum")
    images = params.get("images", ["x"] if task != "IMAGE_VARIATION" else [])
    _check(isinstance(images, list) and 1 <= len(images) <= 5, f"/{key}/images", "1-5 images")
    for i, value in enumerate(params.get("images", [])):
        _image(value, f"/{key}/images/{i}")
    _number(params, "similarityStrength", 0.2, 1.0, f"/{key}")
    colors = params.get("colors", ["#000000"])
    _check(isinstance(colors, list) and 1 <= len(colors) <= 10, f"/{key}/colors", "1-10 colors")
    if "referenceImage" in params:
        _image(params["referenceImage"], f"/{key}/referenceImage")
    where = "/imageGenerationConfig"
    keys = {"width", "height", "quality", "cfgScale", "numberOfImages", "seed"}
    config = _keys(body.get("imageGenerationConfig", {}), keys, where)
    _check(config.get("quality", "standard") in ("standard", "premium"), where, "bad quality")
    _number(config, "cfgScale", 1.1, 10, where)
    _number(config, "numberOfImages", 1, 5, where, whole=True)
    _number(config, "seed", 0, 2147483646, where, whole=True)
    _check(("width" in config) == ("height" in config), where, "width and height go together")
    w, h = config.get("width", 1024), config.get("height", 1024)
    if model.family == "titan":
        _check(
            (w, h) in TITAN_SIZES,
            where,
            f"Value of (width, height) is not valid. Given: ({w}, {h})",
        )
    else:
        ok = 320 <= min(w, h) and max(w, h) <= 4096 and w % 16 == 0 and h % 16 == 0
        ok = ok and max(w, h) <= 4 * min(w, h) and w * h < 4_194_304
        _check(ok, where, f"({w}, {h}) breaks the Nova size rules")


def image_size(family: str, body: dict[str, Any]) -> tuple[int, int]:
    """The size Bedrock would answer with for a valid ``body``."""
    if family == "stability":
        if "image" in body:
            return _image(body["image"], "/image")
        return ASPECTS[body.get("aspect_ratio", "1:1")]
    if family == "sdxl":
        return body.get("width", 1024), body.get("height", 1024)
    config = body.get("imageGenerationConfig", {})
    return config.get("width", 1024), config.get("height", 1024)


@pytest.fixture(name="fake")
def fake_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBedrock]:
    with FakeBedrock() as server:
        server.install(monkeypatch)
        yield server


@pytest.fixture(name="make")
def make_fixture(tmp_path: Path) -> Iterator[Make]:
    made: list[BedrockBackend] = []

    def make(**options: Any) -> BedrockBackend:
        options.setdefault("retry_base_delay", 0.001)
        made.append(BedrockBackend.from_options(options, tmp_path))
        return made[-1]

    yield make
    for backend in made:
        backend.close()


def dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy keys, and no reading of the developer's ~/.aws or of instance metadata."""
    isolate_aws(monkeypatch)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKEFAKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-do-not-print")


def isolate_aws(monkeypatch: pytest.MonkeyPatch, home: str = "/nonexistent") -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                 "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL_BEDROCK",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{home}/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{home}/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
