"""What the command line changes of a cast, as one typed value, and the typed helpers the
commands share: find the cast, load it, plan it with those changes.

The CLI builds one ``Overrides`` from its flags at the edge; a command receives it as a
plain value, so it can be called from Python (and tests) without argparse. Imports only
light modules: the dispatch imports this module on the no-op fast path too.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facebuild.commands.common import CAST_FILE, backend_for, nearest_cast
from facebuild.errors import UsageError

if TYPE_CHECKING:
    from facebuild.cast import Cast
    from facebuild.planner import Plan

log = logging.getLogger("facebuild.commands.common")
"""The name -v has always shown for 'loaded ...' (build and diff still log it from there)."""


@dataclass(frozen=True)
class Overrides:
    """The backend overrides (``--backend``, ``--model``, ``--region``, ``--profile``,
    ``--workflow``, ``--api-url`` repeated for a pool) and ``--redact`` (the privacy guard
    replaces personal data in a prompt instead of failing it). ``None``: as the cast says."""

    backend: str | None = None
    model: str | None = None
    region: str | None = None
    profile: str | None = None
    workflow: str | None = None
    urls: tuple[str, ...] = ()
    redact: bool = False

    def backend_options(self) -> dict[str, Any]:
        """The overrides as backend options (``name`` for ``--backend``); a workflow that is
        a file here is given by its absolute path (a path on the command line is from here)."""
        options: dict[str, Any] = {}
        if self.backend:
            options["name"] = self.backend
        for option in ("model", "region", "profile", "workflow"):
            value = getattr(self, option)
            if value is not None:
                options[option] = value
        workflow = options.get("workflow")
        if workflow and Path(workflow).is_file():
            options["workflow"] = str(Path(workflow).resolve())
        if self.urls:
            options["url"] = self.urls[0] if len(self.urls) == 1 else list(self.urls)
        return options


NO_OVERRIDES = Overrides()


def find_cast(named: str | Path | None) -> Path:
    """The cast named (a file, or a folder holding cast.yaml), else the nearest cast.yaml in
    the current folder or its parents, as git finds .git."""
    if named is not None:
        path = Path(named)
        return path / CAST_FILE if path.is_dir() else path
    return nearest_cast(Path.cwd())


def load(path: Path, *, redact: bool = False) -> Cast:
    """The cast at ``path`` (its warnings printed on standard error)."""
    from facebuild.cast import load_cast

    if not path.exists():
        raise UsageError(f"{path}: no such cast file (run 'facebuild init' to write one)")
    cast = load_cast(path, privacy="redact" if redact else None)
    log.info("loaded %s: %d characters, %d variants", path, len(cast.spec.characters),
             len(cast.spec.variants))
    for warning in cast.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return cast


def load_plan(path: Path, overrides: Overrides = NO_OVERRIDES) -> Plan:
    """The plan of the cast at ``path`` on its backend with ``overrides`` applied; a mistake
    in an option given by a flag names the flag."""
    from facebuild.planner import plan

    cast = load(path, redact=overrides.redact)
    return plan(cast, backend_for(cast, overrides.backend_options()))
