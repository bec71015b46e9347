"""The no-op fast path of ``build`` and ``diff`` (see ``facebuild.uptodate``), and what it
needs from the command line. Imports only light modules: it runs before the heavy ones."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facebuild import uptodate
from facebuild.commands.common import backend_overrides, cast_path
from facebuild.distpaths import CONTACT_SHEET, GALLERY, MANIFEST
from facebuild.summaries import build_summary, diff_summary, start_line
from facebuild.urls import mask_url

if TYPE_CHECKING:
    from facebuild.planner import Plan


def _key(args: argparse.Namespace) -> str:
    """What the stamp was made for; written into ``.facebuild/``, so URLs go in masked."""
    overrides = backend_overrides(args)
    urls = overrides.get("url")
    if urls is not None:
        overrides["url"] = mask_url(urls) if isinstance(urls, str) else [mask_url(u) for u in urls]
    key: dict[str, Any] = {"cast": str(cast_path(args).resolve()), "backend": overrides}
    if getattr(args, "redact", False):
        key["privacy"] = "redact"  # a build with the guard redacting is up to date for itself
    return json.dumps(key, sort_keys=True)


def build_verdict(args: argparse.Namespace) -> uptodate.Verdict | None:
    """What the stamp says of this build: None when the build must look at everything."""
    if args.targets or args.force or args.dry_run or args.output_format == "json":
        return None
    return uptodate.check(cast_path(args).parent, _key(args))


def noop_build(verdict: uptodate.Verdict | None) -> bool:
    """Print what a no-op build prints and return True, if nothing moved."""
    if verdict is None or verdict.edited:
        return False
    counts = {"generated": 0, "derived": 0, "cached": _targets(verdict), "failed": 0}
    print(start_line(0, 0, 0.0))
    print(build_summary(counts, 0, 0.0, False))
    return True


def diff_verdict(args: argparse.Namespace) -> uptodate.Verdict | None:
    """What the stamp says of this diff: None when the diff must look at everything (it
    lists every target, shows prompts, writes a review page or compares with a commit)."""
    if args.json or args.all or args.prompts or args.html or args.base:
        return None
    return uptodate.check(cast_path(args).parent, _key(args))


def noop_diff(verdict: uptodate.Verdict | None) -> bool:
    if verdict is None or verdict.edited:
        return False
    print(diff_summary({"unchanged": _targets(verdict)}, 0, 0.0, ""))
    return True


def _targets(verdict: uptodate.Verdict) -> int:
    count = verdict.summary.get("targets")
    return count if isinstance(count, int) else 0


def record(args: argparse.Namespace, the_plan: Plan, targets: int,
           verdict: uptodate.Verdict | None = None) -> None:
    """Remember that every one of the cast's ``targets`` is up to date: those of
    ``the_plan``, and for a plan of some characters (``Plan.scope``) the others, as
    ``verdict`` found them before the build."""
    from facebuild.diststate import DistState

    cast = the_plan.cast
    inputs = [*cast.sources, *_template_files(cast.base_dir), *_option_files(the_plan)]
    dist = str(cast.dist_dir) + os.sep  # strings: pathlib is slow for 10,000 files
    known = DistState.load(cast.state_dir, cast.dist_dir).cache
    outputs: dict[str, list[Any] | None] = {}
    if the_plan.scope is not None and verdict is not None and verdict.outputs:
        # as checked before the build; a file the build moved away is gone
        outputs = {f: fp for f, fp in verdict.outputs.items() if os.path.exists(f)}
    for target in the_plan.targets.values():
        recorded = known.get(target.output)
        outputs[dist + target.output] = (recorded if recorded and
                                         uptodate.file_stat(dist + target.output) == recorded[:2]
                                         else uptodate.fingerprint(dist + target.output))
    for own in (MANIFEST, GALLERY, CONTACT_SHEET):
        outputs[dist + own] = uptodate.fingerprint(dist + own, digest=False)  # megabytes
    try:
        uptodate.record(cast.base_dir, _key(args), inputs, list(cast.spec.include),
                        cast.lock_path, outputs, {"targets": targets},
                        cast.meanings)
    except OSError as exc:  # only an optimisation: never fail a build for it
        print(f"warning: cannot write {uptodate.stamp_path(cast.base_dir)}: {exc}",
              file=sys.stderr)


def forget(args: argparse.Namespace) -> None:
    uptodate.forget(cast_path(args).parent)


def _template_files(base_dir: Path) -> list[Path]:
    folder = base_dir / "templates"
    return [folder, *sorted(p for p in folder.rglob("*") if p.is_file())] if folder.is_dir() else []


def _option_files(the_plan: Plan) -> list[Path]:
    """Files named in backend, variant or character options (workflows, reference images),
    and characters' reference files."""
    spec = the_plan.cast.spec
    values: list[Any] = list((spec.backend.model_extra or {}).values())
    values += [v for variant in spec.variants.values() for v in variant.options.values()]
    values += [v for character in spec.characters for v in character.options.values()]
    values += [character.reference for character in spec.characters if character.reference]
    found: list[Path] = []
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and len(item) < 512:
                candidate = the_plan.cast.base_dir / item
                if candidate.is_file():
                    found.append(candidate)
    return found
