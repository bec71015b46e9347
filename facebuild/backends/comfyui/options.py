"""The cast's ``backend:`` options for ComfyUI, checked once with a hint for each mistake."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from facebuild.backends.comfyui.injection import check_inputs_option
from facebuild.backends.comfyui.workflow import DEFAULT_WORKFLOW
from facebuild.errors import CastError
from facebuild.urls import mask_url

DEFAULT_URL = "http://127.0.0.1:8188"
OPTIONS = {
    "url": "a ComfyUI server URL, or a list of them (a pool)",
    "workflow": "an API-format workflow: a path relative to the cast, or a shipped file name",
    "inputs": "where prompt, negative, seed, width, height and output go in the workflow",
    "batch_size": "jobs in flight per server",
    "timeout": "seconds one job may run",
    "cooldown": "seconds a failing server stays out of rotation",
    "poll_interval": "longest wait between status checks when the websocket is down",
    "max_answer_bytes": "the largest answer read from a server (an image, /object_info, ...)",
}


@dataclass(frozen=True)
class Settings:
    urls: tuple[str, ...] = (DEFAULT_URL,)
    workflow: str = DEFAULT_WORKFLOW
    inputs: Mapping[str, Any] | None = None
    batch_size: int = 10
    timeout: float = 600.0
    cooldown: float = 60.0
    poll_interval: float = 1.0
    max_answer_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class Timing:
    timeout: float = 600.0
    """Seconds a job may run once started; it may wait ``timeout × batch_size`` queued."""
    poll_interval: float = 1.0
    """Longest wait between /history + /queue checks while the websocket is down (the first
    comes at once, then they back off); every ``5 × poll_interval`` while it is up."""


def parse_options(options: Mapping[str, Any]) -> Settings:
    """``Settings`` from the ``backend:`` mapping (without ``name``); raises ``CastError``."""
    for key in options:
        if key not in OPTIONS:
            near = get_close_matches(str(key), list(OPTIONS), n=1)
            hint = f"did you mean {near[0]!r}?" if near else "valid: " + ", ".join(OPTIONS)
            raise CastError("unknown option of the comfyui backend", key=f"backend.{key}", hint=hint)
    defaults = Settings()
    urls = _urls(options.get("url", DEFAULT_URL))
    workflow = options.get("workflow", defaults.workflow)
    if not isinstance(workflow, str) or not workflow:
        raise CastError("expected a workflow file name or path", key="backend.workflow")
    inputs = options.get("inputs")
    if inputs is not None:
        problem = check_inputs_option(inputs)
        if problem:
            raise CastError(problem, key="backend.inputs")
    return Settings(
        urls=urls,
        workflow=workflow,
        inputs=dict(inputs) if inputs is not None else None,
        batch_size=int(_number(options, "batch_size", defaults.batch_size, 1, integer=True)),
        timeout=_number(options, "timeout", defaults.timeout, 0.001),
        cooldown=_number(options, "cooldown", defaults.cooldown, 0.0),
        poll_interval=_number(options, "poll_interval", defaults.poll_interval, 0.001),
        max_answer_bytes=int(_number(options, "max_answer_bytes", defaults.max_answer_bytes, 1024,
                                     integer=True)),
    )


def _urls(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise CastError("expected a server URL or a list of them", key="backend.url")
    urls: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.startswith(("http://", "https://")):
            shown = repr(mask_url(item)) if isinstance(item, str) else repr(item)
            raise CastError(
                f"expected an http:// or https:// URL, got {shown}",
                key="backend.url",
                hint=f"e.g. {DEFAULT_URL}",
            )
        url = item.rstrip("/")
        if url in urls:
            raise CastError(f"server {mask_url(url)} is listed twice", key="backend.url")
        urls.append(url)
    return tuple(urls)


def _number(
    options: Mapping[str, Any], key: str, default: float, minimum: float, *, integer: bool = False
) -> float:
    value: Any = options.get(key, default)
    wrong_type = isinstance(value, bool) or not isinstance(value, int if integer else int | float)
    if wrong_type or value < minimum:
        want = "an integer" if integer else "a number"
        raise CastError(f"expected {want} of at least {minimum:g}, got {value!r}", key=f"backend.{key}")
    return float(value)
