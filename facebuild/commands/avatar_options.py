"""The backend of ``facebuild avatars``, from its flags.

The default stays offline (``sketch``); ``--api-url``, ``--avatar-workflow``,
``--backdrop-workflow``, ``--avatar-inputs`` and ``--backdrop-inputs`` are ComfyUI's and
imply ``--backend comfyui``. ``--avatar-inputs`` / ``--backdrop-inputs`` take the ComfyUI
backend's ``inputs:`` mapping (where the prompt, seed, size … go in the workflow) as JSON
text or as a JSON or YAML file; every message about them names the flag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from facebuild.commands.options import Overrides
from facebuild.errors import UsageError

AVATAR_WORKFLOW = "sdxl_portrait.json"
BACKDROP_WORKFLOW = "sdxl_backdrop.json"
MAX_INPUTS_BYTES = 1 << 20


@dataclass(frozen=True)
class Backend:
    """The backend configuration, the options of the avatar and backdrop variants, and
    the line that says which backend runs."""

    config: dict[str, Any]
    summary: str
    avatar_options: dict[str, Any] = field(default_factory=dict)
    backdrop_options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ComfyUIFlags:
    """The avatars command's own ComfyUI flags: the workflow and the ``inputs:`` mapping
    (JSON text or a file) of each variant, and the jobs in flight per server."""

    avatar_workflow: str | None = None
    backdrop_workflow: str | None = None
    avatar_inputs: str | None = None
    backdrop_inputs: str | None = None
    batch_size: int = 10


COMFYUI_DEFAULTS = ComfyUIFlags()


def _comfyui_flags(urls: tuple[str, ...], flags: ComfyUIFlags) -> list[str]:
    given = (("--api-url", urls), ("--avatar-workflow", flags.avatar_workflow),
             ("--backdrop-workflow", flags.backdrop_workflow),
             ("--avatar-inputs", flags.avatar_inputs), ("--backdrop-inputs", flags.backdrop_inputs))
    return [flag for flag, value in given if value]


def choose_backend(overrides: Overrides, flags: ComfyUIFlags) -> Backend:
    comfyui = _comfyui_flags(overrides.urls, flags)
    name = overrides.backend or ("comfyui" if comfyui else "sketch")
    if name != "comfyui":
        if comfyui:
            raise UsageError(f"{comfyui[0]} is for the comfyui backend, not --backend {name} "
                             "(leave out --backend: it implies comfyui)")
        config: dict[str, Any] = {"name": name}
        given = {"model": overrides.model, "region": overrides.region, "profile": overrides.profile}
        config.update({option: value for option, value in given.items() if value})
        why = "offline, the default" if not overrides.backend else "--backend"
        return Backend(config, f"{name} ({why})")
    avatar = _workflow(flags.avatar_workflow) or AVATAR_WORKFLOW
    backdrop = _workflow(flags.backdrop_workflow) or BACKDROP_WORKFLOW
    config = {"name": name, "workflow": avatar, "batch_size": flags.batch_size}
    urls = list(overrides.urls)
    if urls:
        config["url"] = urls[0] if len(urls) == 1 else urls
    avatar_options: dict[str, Any] = {"workflow": avatar}
    backdrop_options: dict[str, Any] = {"workflow": backdrop}
    if flags.avatar_inputs:
        avatar_options["inputs"] = read_inputs("--avatar-inputs", flags.avatar_inputs)
    if flags.backdrop_inputs:
        backdrop_options["inputs"] = read_inputs("--backdrop-inputs", flags.backdrop_inputs)
    servers = ", ".join(_shown_url(u) for u in urls) or "http://127.0.0.1:8188"
    why = "--backend" if overrides.backend else f"implied by {comfyui[0]}"
    return Backend(config, f"comfyui at {servers} ({why})", avatar_options, backdrop_options)


def _shown_url(url: str) -> str:
    """A server URL without any user name or password in it."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an invalid URL)"
    return f"{parts.scheme}://{host}{port}{parts.path}" if parts.scheme else url.rpartition("@")[2]


def _workflow(value: str | None) -> str | None:
    """A workflow named on the command line: a path relative to the current folder, or a
    shipped workflow's file name."""
    if not value:
        return None
    path = Path(value)
    return str(path.resolve()) if path.exists() else value


def read_inputs(flag: str, value: str) -> dict[str, Any]:
    """The ``inputs:`` mapping given to ``flag``: JSON text, or a JSON or YAML file."""
    text = value.strip()
    if not text.startswith("{"):
        path = Path(value)
        if not path.is_file():
            raise UsageError(f"{flag} {value}: neither a JSON mapping nor a file "
                             "(e.g. {\"prompt\": \"6.text\", \"seed\": \"3.seed\"})")
        try:
            with path.open("rb") as handle:
                raw = handle.read(MAX_INPUTS_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"{flag} {value}: cannot read it: {exc.strerror or exc}") from None
        if len(raw) > MAX_INPUTS_BYTES:
            raise UsageError(f"{flag} {value}: larger than 1 MiB; an inputs mapping is a few lines")
        text = raw.decode("utf-8", errors="replace")
    try:
        data = _json_or_yaml(text)
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"{flag}: not a valid JSON or YAML mapping: {first}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{flag}: expected a mapping like {{\"prompt\": \"6.text\", "
                         f"\"seed\": \"3.seed\"}}, got {type(data).__name__}")
    from facebuild.backends.comfyui.injection import check_inputs_option

    problem = check_inputs_option(data)
    if problem:
        raise UsageError(f"{flag}: {problem}")
    return data


def _json_or_yaml(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return yaml.safe_load(text)
