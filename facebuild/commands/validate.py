"""facebuild validate: load, render every prompt and check the model's limits."""

from __future__ import annotations

import argparse
import json
from typing import Any

from facebuild.commands import report_error, screened
from facebuild.commands.common import account_problems, load_plan
from facebuild.errors import FacebuildError, LimitError
from facebuild.pricing import lifecycle_text


def run(args: argparse.Namespace) -> int:
    """Each cast in turn (a pre-commit hook passes every changed cast file); with several,
    every one is checked and each mistake is printed, then exit 2 if any had one.

    ``--json`` prints ``{"casts": [{"cast", "ok", "error"?, "characters", "variants",
    "targets", "renders", "backend", "model", "lifecycle"}]}`` instead."""
    casts = args.casts or [None]
    results: list[dict[str, Any]] = []
    for cast in casts:
        args.cast = cast
        try:
            results.append(validate(args))
        except FacebuildError as exc:
            if len(casts) == 1 and not args.json:
                raise
            results.append({"cast": cast, "ok": False, "error": screened(str(exc))})
            if not args.json:
                report_error(exc)
    for result in results:
        if args.json:
            continue
        if result["ok"]:
            print(f"{result['cast']}: ok — {result['characters']} characters, "
                  f"{result['variants']} variants, {result['targets']} targets, "
                  f"{result['renders']} renders on {result['backend']} ({result['model']})")
        if result.get("lifecycle", "active") != "active":
            print(f"warning: {lifecycle_text(result['model'], result['lifecycle'])}")
    if args.json:
        print(json.dumps({"casts": results}, indent=2, ensure_ascii=False))
    return 0 if all(result["ok"] for result in results) else 2


def validate(args: argparse.Namespace) -> dict[str, Any]:
    """What ``validate`` says of one cast; raises on the first kind of mistake found."""
    the_plan = load_plan(args)
    problems = the_plan.check()
    problems += [f"{t.name}: {t.blocked}" for t in the_plan.targets.values() if t.blocked]
    problems += account_problems(the_plan)
    if problems:
        raise LimitError(f"{len(problems)} problem(s) with the limits of "
                         f"{the_plan.capabilities.model} or the privacy guard:\n"
                         + "\n".join(problems))
    cast = the_plan.cast
    caps = the_plan.capabilities
    return {"cast": str(cast.path), "ok": True, "characters": len(cast.spec.characters),
            "variants": len(cast.spec.variants), "targets": len(the_plan.targets),
            "renders": len(the_plan.renders()), "backend": caps.backend, "model": caps.model,
            "lifecycle": caps.lifecycle}
