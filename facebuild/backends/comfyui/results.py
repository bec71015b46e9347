"""Read ComfyUI's answers: 400 error bodies, ``node_errors`` and history entries."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import requests

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
    for node_id, info in node_errors.items():
        info = _dict(info)
        messages = []
        for error in info.get("errors", []):
            text = str(error.get("message", "error"))
            if error.get("details"):
                text += f": {error['details']}"
            messages.append(text)
        parts.append(f"node {node_id} ({info.get('class_type', '?')}): " + "; ".join(messages))
    return "; ".join(parts)


def describe_prompt_error(response: requests.Response, server: str) -> str:
    """One line for an HTTP 400 from ``POST /prompt``."""
    try:
        body = response.json()
    except ValueError:
        return f"{server} rejected the workflow: {response.text.strip()[:200]}"
    if not isinstance(body, dict):
        return f"{server} rejected the workflow: {body!r}"[:300]
    if body.get("node_errors"):
        return f"{server} rejected the workflow: " + describe_node_errors(body["node_errors"])
    error = _dict(body.get("error"))
    text = str(error.get("message") or error.get("type") or body)
    if error.get("details"):
        text += f" ({error['details']})"
    return f"{server} rejected the workflow: {text}"


def result_image(
    entry: Mapping[str, Any], output_node: str, server: str, cancelled: threading.Event
) -> Mapping[str, Any]:
    """The first image of ``output_node`` in a history entry; raises for failed prompts."""
    status = _dict(entry.get("status"))
    for message in status.get("messages", []):
        if not (isinstance(message, list) and len(message) == 2):
            continue
        kind, data = message
        data = _dict(data)
        if kind == "execution_error":
            node = f"node {data.get('node_id')} ({data.get('node_type')})"
            text = str(data.get("exception_message", "")).strip() or "error"
            raise BackendError(f"{node} failed on {server}: {data.get('exception_type', '')}: {text}")
        if kind == "execution_interrupted":
            if cancelled.is_set():
                raise BackendError("cancelled")
            raise BackendError(f"interrupted on {server} (by someone else?)", retryable=True)
    if status.get("status_str") == "error":
        raise BackendError(f"the prompt failed on {server} without an error message", retryable=True)
    outputs = _dict(entry.get("outputs"))
    images = _dict(outputs.get(output_node)).get("images") or []
    if not images or not isinstance(images[0], dict):
        produced = ", ".join(sorted(outputs)) or "none"
        raise BackendError(
            f"the workflow produced no image at output node {output_node} on "
            f"{server} (nodes with outputs: {produced})"
        )
    image: Mapping[str, Any] = images[0]
    return image
