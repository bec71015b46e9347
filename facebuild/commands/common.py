"""What several commands share: loading the cast with overrides, printing warnings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from facebuild.cast import Cast, load_cast
from facebuild.errors import UsageError
from facebuild.planner import Plan, make_backend, plan


def load(args: argparse.Namespace) -> Cast:
    path = Path(args.cast)
    if path.is_dir():
        path = path / "cast.yaml"
    if not path.exists():
        raise UsageError(f"{path}: no such cast file (run 'facebuild init' to write one)")
    cast = load_cast(path)
    for warning in cast.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return cast


def backend_overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if getattr(args, "backend", None):
        overrides["name"] = args.backend
    for option in ("model", "region", "profile", "workflow"):
        value = getattr(args, option, None)
        if value is not None:
            overrides[option] = value
    urls = getattr(args, "url", None)
    if urls:
        overrides["url"] = urls[0] if len(urls) == 1 else urls
    return overrides


def load_plan(args: argparse.Namespace) -> Plan:
    cast = load(args)
    backend = make_backend(cast, backend_overrides(args))
    return plan(cast, backend)
