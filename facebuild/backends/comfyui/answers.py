"""A server's answers are untrusted: read at most ``max_answer_bytes`` of a body (while it
streams, never the whole of it first), parse JSON into one-line errors, and cut a PNG at the
end of its last chunk so that nothing trailing it reaches the store."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import requests

from facebuild.backends.comfyui.results import ServerDown
from facebuild.errors import BackendError

_CHUNK = 64 * 1024
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class AnswerTooLarge(BackendError):
    """A body longer than ``max_answer_bytes``: the job fails; the rest is never read."""


class MalformedAnswer(ServerDown):
    """A server answered in a shape ComfyUI never sends: its jobs go to another server."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def read_capped(response: requests.Response, limit: int, where: str) -> bytes:
    """The body of a streamed ``response``, refusing one longer than ``limit`` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise AnswerTooLarge(_too_large(where, limit))
    parts: list[bytes] = []
    size = 0
    for part in response.iter_content(_CHUNK):
        size += len(part)
        if size > limit:
            raise AnswerTooLarge(_too_large(where, limit))
        parts.append(part)
    return b"".join(parts)


def _too_large(where: str, limit: int) -> str:
    return (f"{where}: the answer is larger than {limit:,} bytes (backend option "
            "max_answer_bytes); stopped reading it")


def parse_json(body: bytes, where: str) -> Any:
    """The JSON of ``body`` (``None`` when empty); ``MalformedAnswer`` in one line otherwise.
    The body itself is never echoed: it is the server's, not ours to print."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedAnswer(f"{where}: the answer is not JSON ({len(body):,} bytes); "
                              "is it a ComfyUI server?") from None


def expect_mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedAnswer(f"{where}: expected a JSON object, got {type(value).__name__}; "
                              "is it a ComfyUI server?")
    return value


def queue_ids(answer: Any, where: str) -> dict[str, set[str]]:
    """The prompt ids running and pending in a ``GET /queue`` answer (5-item lists, id second)."""
    queue = expect_mapping(answer, where)
    ids: dict[str, set[str]] = {}
    for key in ("queue_running", "queue_pending"):
        items = queue.get(key, [])
        if not isinstance(items, list):
            raise MalformedAnswer(f"{where}: {key} is not a list; is it a ComfyUI server?")
        ids[key] = {str(item[1]) for item in items if isinstance(item, list) and len(item) > 1}
    return ids


def history_entry(answer: Any, prompt_id: str, where: str) -> dict[str, Any] | None:
    """The entry of ``prompt_id`` in a ``GET /history/<id>`` answer; None while it has none."""
    entry = expect_mapping(answer, where).get(prompt_id)
    return entry if isinstance(entry, dict) else None


def whole_png(data: bytes, where: str) -> bytes:
    """A PNG cut after its ``IEND`` chunk; other formats pass (the store decodes them).
    A PNG whose chunks run past the end of the data is refused."""
    if not data.startswith(_PNG_SIGNATURE):
        return data
    offset = len(_PNG_SIGNATURE)
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        end = offset + 12 + length
        if end > len(data):
            break
        if kind == b"IEND":
            return data[:end]
        offset = end
    raise BackendError(f"{where}: the image is not a whole PNG (cut short?)", retryable=True)
