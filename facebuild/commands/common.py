"""What several commands share: finding the cast, the backend overrides of the command line,
loading the cast and its plan, printing warnings. The no-op fast path imports this module
before any heavy one, so the cast loader, the planner and pydantic are imported inside the
functions that need them."""

from __future__ import annotations

import logging
import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facebuild.errors import UsageError

if TYPE_CHECKING:
    from facebuild.backends import Backend
    from facebuild.cast import Cast
    from facebuild.commands.options import Overrides
    from facebuild.errors import CastError
    from facebuild.planner import Plan

log = logging.getLogger(__name__)


CAST_FILE = "cast.yaml"


def find_cast(named: str | Path | None) -> Path:
    """The cast named (a file, or a folder holding cast.yaml), else the nearest cast.yaml in
    the current folder or its parents, as git finds .git."""
    if named is not None:
        path = Path(named)
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


def load(path: Path, *, redact: bool = False) -> Cast:
    """The cast at ``path`` (its warnings printed on standard error); with ``redact`` the
    privacy guard replaces personal data in a prompt instead of failing it."""
    from facebuild.cast import load_cast

    if not path.exists():
        raise UsageError(f"{path}: no such cast file (run 'facebuild init' to write one)")
    cast = load_cast(path, privacy="redact" if redact else None)
    log.info("loaded %s: %d characters, %d variants", path, len(cast.spec.characters),
             len(cast.spec.variants))
    for warning in cast.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return cast


def load_plan(path: Path, overrides: Overrides | None = None,
              characters: Collection[str] | None = None) -> Plan:
    """The plan of the cast at ``path`` on its backend with the command line's
    ``overrides`` applied (a mistake in an option given by a flag names the flag); with
    ``characters`` (ids), of those characters only."""
    from facebuild.planner import plan

    cast = load(path, redact=overrides.redact if overrides else False)
    backend = backend_for(cast, overrides.backend_options() if overrides else {})
    return plan(cast, backend, characters=characters)


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
