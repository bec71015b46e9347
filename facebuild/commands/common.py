"""What several commands share: loading the cast with overrides, printing warnings."""

from __future__ import annotations

import argparse
import logging
import sys

from facebuild.cast import Cast, load_cast
from facebuild.commands.fastpath import backend_overrides, cast_path
from facebuild.errors import UsageError
from facebuild.planner import Plan, make_backend, plan

log = logging.getLogger(__name__)


def load(args: argparse.Namespace) -> Cast:
    path = cast_path(args)
    if not path.exists():
        raise UsageError(f"{path}: no such cast file (run 'facebuild init' to write one)")
    cast = load_cast(path)
    log.info("loaded %s: %d characters, %d variants", path, len(cast.spec.characters),
             len(cast.spec.variants))
    for warning in cast.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return cast


def load_plan(args: argparse.Namespace) -> Plan:
    cast = load(args)
    backend = make_backend(cast, backend_overrides(args))
    return plan(cast, backend)


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
