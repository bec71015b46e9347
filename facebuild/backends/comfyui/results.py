"""Read ComfyUI's answers: 400 error bodies, ``node_errors`` and history entries."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from facebuild.errors import BackendError


class ServerDown(BackendError):
    """The server itself failed; its jobs should go to another server."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


class WorkflowRejected(BackendError):
    """The server cannot run this workflow (missing node type, checkpoint, bad value)."""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def describe_node_errors(node_errors: Mapping[str, Any]) -> str:
    """``node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: '…' not in []``."""
    parts = []
    for node_id, info in list(node_errors.items())[:5]:
        info = _dict(info)
        messages = []
        errors = info.get("errors")
        for error in errors[:3] if isinstance(errors, list) else []:
            error = _dict(error)
            text = _short(error.get("message", "error"))
            if error.get("details"):
                text += f": {_short(error['details'])}"
            messages.append(text)
        parts.append(f"node {_short(node_id, 40)} ({_short(info.get('class_type', '?'), 80)}): "
                     + "; ".join(messages))
    more = f" (and {len(node_errors) - 5} more nodes)" if len(node_errors) > 5 else ""
    return "; ".join(parts) + more


def describe_prompt_error(body: bytes, server: str) -> str:
    """One line for an HTTP 400 from ``POST /prompt`` (its body, untrusted)."""
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):
        return f"{server} rejected the workflow (HTTP 400, {len(body):,} bytes that are not JSON)"
    if not isinstance(answer, dict):
        return f"{server} rejected the workflow (HTTP 400)"
    node_errors = _dict(answer.get("node_errors"))
    if node_errors:
        return f"{server} rejected the workflow: " + describe_node_errors(node_errors)
    error = _dict(answer.get("error"))
    text = _short(error.get("message") or error.get("type") or "no reason given")
    if error.get("details"):
        text += f" ({_short(error['details'])})"
    return f"{server} rejected the workflow: {text}"


def _short(value: Any, limit: int = 300) -> str:
    """A server's text for a one-line message: one line, bounded."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def result_image(
    entry: Mapping[str, Any], output_node: str, server: str, cancelled: threading.Event
) -> Mapping[str, Any]:
    """The first image of ``output_node`` in a history entry; raises for failed prompts."""
    status = _dict(entry.get("status"))
    messages = status.get("messages")
    for message in messages if isinstance(messages, list) else []:
        if not (isinstance(message, list) and len(message) == 2):
            continue
        kind, data = message
        data = _dict(data)
        if kind == "execution_error":
            node = f"node {_short(data.get('node_id'), 40)} ({_short(data.get('node_type'), 80)})"
            text = _short(data.get("exception_message", "")) or "error"
            kind_of = _short(data.get("exception_type", ""), 80)
            raise BackendError(f"{node} failed on {server}: {kind_of}: {text}")
        if kind == "execution_interrupted":
            if cancelled.is_set():
                raise BackendError("cancelled")
            raise BackendError(f"interrupted on {server} (by someone else?)", retryable=True)
    if status.get("status_str") == "error":
        raise BackendError(f"the prompt failed on {server} without an error message", retryable=True)
    outputs = _dict(entry.get("outputs"))
    images = _dict(outputs.get(output_node)).get("images")
    if not isinstance(images, list) or not images or not isinstance(images[0], dict):
        produced = _short(", ".join(sorted(str(node) for node in outputs)) or "none")
        raise BackendError(
            f"the workflow produced no image at output node {output_node} on "
            f"{server} (nodes with outputs: {produced})"
        )
    image: Mapping[str, Any] = images[0]
    return image
