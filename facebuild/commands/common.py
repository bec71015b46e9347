"""What several commands share: finding the cast, the backend overrides of the command line,
loading the cast and its plan, printing warnings. The no-op fast path imports this module
before any heavy one, so the cast loader, the planner and pydantic are imported inside the
functions that need them."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facebuild.errors import UsageError

if TYPE_CHECKING:
    from facebuild.backends import Backend
    from facebuild.cast import Cast
    from facebuild.errors import CastError
    from facebuild.planner import Plan

log = logging.getLogger(__name__)


CAST_FILE = "cast.yaml"


def cast_path(args: argparse.Namespace) -> Path:
    """The cast a command works on: the one named (a file, or a folder holding cast.yaml),
    else the nearest cast.yaml in the current folder or its parents, as git finds .git."""
    if args.cast is not None:
        path = Path(args.cast)
        return path / CAST_FILE if path.is_dir() else path
    return nearest_cast(Path.cwd())


def nearest_cast(start: Path) -> Path:
    """``start/cast.yaml`` or the first parent's; ``cast.yaml`` (missing) when none has one,
    so that the error names the file a user would expect."""
    for folder in (start, *start.parents):
        candidate = folder / CAST_FILE
        if candidate.is_file():
            return candidate if folder != start else Path(CAST_FILE)
    return Path(CAST_FILE)


def backend_overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if getattr(args, "backend", None):
        overrides["name"] = args.backend
    for option in ("model", "region", "profile", "workflow"):
        value = getattr(args, option, None)
        if value is not None:
            overrides[option] = value
    workflow = overrides.get("workflow")
    if workflow and Path(workflow).is_file():  # a path on the command line is from here
        overrides["workflow"] = str(Path(workflow).resolve())
    urls = getattr(args, "url", None)
    if urls:
        overrides["url"] = urls[0] if len(urls) == 1 else urls
    return overrides


def load(args: argparse.Namespace) -> Cast:
    from facebuild.cast import load_cast

    path = cast_path(args)
    if not path.exists():
        raise UsageError(f"{path}: no such cast file (run 'facebuild init' to write one)")
    cast = load_cast(path, privacy="redact" if getattr(args, "redact", False) else None)
    log.info("loaded %s: %d characters, %d variants", path, len(cast.spec.characters),
             len(cast.spec.variants))
    for warning in cast.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return cast


def make_backend_for(cast: Cast, args: argparse.Namespace) -> Backend:
    """The cast's backend with the command line's overrides applied."""
    return backend_for(cast, backend_overrides(args))


FLAGS = {"name": "--backend", "url": "--api-url", "model": "--model", "region": "--region",
         "profile": "--profile", "workflow": "--workflow"}
"""The flag that overrides each backend option."""


def backend_for(cast: Cast, overrides: dict[str, Any]) -> Backend:
    """``make_backend`` with ``overrides`` from the command line: a mistake in an option
    given by a flag names the flag (``--model: ...``) instead of the cast's key."""
    from facebuild.errors import CastError, CastErrors
    from facebuild.planner import make_backend

    try:
        return make_backend(cast, overrides)
    except CastErrors as exc:
        for error in exc.errors:
            _name_flag(error, overrides)
        exc.args = ("\n".join(str(e) for e in exc.errors),)
        raise
    except CastError as exc:
        _name_flag(exc, overrides)
        raise


def _name_flag(error: CastError, overrides: dict[str, Any]) -> None:
    key = error.key or ""
    option = key.split(".")[1] if key.startswith("backend.") else ""
    if error.location is None and option in overrides:
        error.key = FLAGS.get(option, f"--{option}")
        error.args = (error.format(),)


def load_plan(args: argparse.Namespace, characters: Collection[str] | None = None) -> Plan:
    """The cast's plan; with ``characters`` (ids), of those characters only."""
    from facebuild.planner import plan

    cast = load(args)
    return plan(cast, make_backend_for(cast, args), characters=characters)


def account_problems(the_plan: Plan) -> list[str]:
    """What the backend's account says is wrong with its model before any call (Bedrock:
    a model not offered in the region, or past its end of life); warnings are printed."""
    probe = getattr(the_plan.backend, "account_problems", None)
    if probe is None:
        return []
    problems, warnings = probe()
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return list(problems)
