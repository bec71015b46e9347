"""facebuild validate: load, render every prompt and check the model's limits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from facebuild.commands import report_error, screened
from facebuild.commands.common import account_problems, find_cast, load_plan
from facebuild.commands.options import NO_OVERRIDES, Overrides
from facebuild.errors import FacebuildError, LimitError
from facebuild.pricing import lifecycle_text


def validate(casts: Sequence[str | Path] = (), *, as_json: bool = False,
             overrides: Overrides = NO_OVERRIDES) -> int:
    """Each cast in turn (default: the nearest cast.yaml; a pre-commit hook passes every
    changed cast file); with several, every one is checked and each mistake is printed,
    then exit 2 if any had one.

    ``as_json`` prints ``{"casts": [{"cast", "ok", "error"?, "characters", "variants",
    "targets", "renders", "backend", "model", "lifecycle"}]}`` instead."""
    named: list[str | Path | None] = [*casts] or [None]
    results: list[dict[str, Any]] = []
    for cast in named:
        try:
            results.append(check_cast(find_cast(cast), overrides))
        except FacebuildError as exc:
            if len(named) == 1 and not as_json:
                raise
            results.append({"cast": None if cast is None else str(cast), "ok": False,
                            "error": screened(str(exc))})
            if not as_json:
                report_error(exc)
    for result in results:
        if as_json:
            continue
        if result["ok"]:
            print(f"{result['cast']}: ok — {result['characters']} characters, "
                  f"{result['variants']} variants, {result['targets']} targets, "
                  f"{result['renders']} renders on {result['backend']} ({result['model']})")
        if result.get("lifecycle", "active") != "active":
            print(f"warning: {lifecycle_text(result['model'], result['lifecycle'])}")
    if as_json:
        print(json.dumps({"casts": results}, indent=2, ensure_ascii=False))
    return 0 if all(result["ok"] for result in results) else 2


def check_cast(path: Path, overrides: Overrides = NO_OVERRIDES) -> dict[str, Any]:
    """What ``validate`` says of one cast; raises on the first kind of mistake found."""
    the_plan = load_plan(path, overrides)
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
