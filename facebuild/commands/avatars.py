"""facebuild avatars: persona avatars and call backdrops from a persona manifest, built
with the same engine as ``facebuild build`` (plan, store, lock, privacy guard) into
RUN/comfyui_images/avatar/, with image_manifest.json beside them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from facebuild.errors import UsageError

OUTPUT = Path("comfyui_images") / "avatar"
AVATAR_WORKFLOW = "sdxl_portrait.json"
BACKDROP_WORKFLOW = "sdxl_backdrop.json"


def run(args: argparse.Namespace) -> int:
    from facebuild.builder import Builder
    from facebuild.cast import cast_from_data
    from facebuild.commands.build import make_reporter
    from facebuild.lock import read_lock
    from facebuild.personas import default_variants, load_personas
    from facebuild.personas.outputs import write_image_manifest
    from facebuild.planner import plan

    root = Path(args.output_root)
    if not root.is_dir():
        raise UsageError(f"--output-root {root}: no such folder (the run folder of the personas)")
    for flag, value in (("--batch-size", args.batch_size), ("--jobs", args.jobs)):
        if value is not None and value < 1:
            raise UsageError(f"{flag} must be at least 1, got {value}")
    backend, avatar_options, backdrop_options = _backend(args)
    extra = {"initial_prompt": args.initial_prompt.strip()} if args.initial_prompt.strip() else {}
    personas = load_personas(Path(args.persona_manifest), run_folder=root,
                             backdrops=not args.no_backdrops, extra=extra)
    for warning in personas.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    data: dict[str, Any] = {
        "version": 1,
        "name": f"persona avatars of {root.resolve().name}",
        "backend": backend,
        "dist": ".",
        "template": "avatar.j2",
        "privacy": {"mode": "redact" if args.redact else "fail"},
        "variants": default_variants(avatar_options, backdrop_options),
        "characters": personas.characters,
    }
    out = root / OUTPUT
    cast = cast_from_data(data, out)
    the_plan = plan(cast)
    # an output skipped this time (a missing persona, --no-backdrops) keeps its old file
    partial = personas.skipped or args.no_backdrops
    report = Builder(the_plan, make_reporter(args.output_format)).run(
        list(the_plan.targets) if partial else None, force=False, jobs=args.jobs,
        dry_run=False, max_cost=None, confirm=None)
    if cast.lock_path.exists():
        write_image_manifest(out, read_lock(cast.lock_path))
    if personas.skipped:
        print(f"warning: {personas.skipped} output(s) skipped, see the warnings above",
              file=sys.stderr)
    return 0 if report.ok and not personas.skipped else 1


def _backend(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The backend configuration, and the options of the avatar and backdrop variants."""
    name = args.backend or ("comfyui" if args.url else "sketch")
    if name == "comfyui":
        avatar = _workflow(args.avatar_workflow) or AVATAR_WORKFLOW
        backdrop = _workflow(args.backdrop_workflow) or BACKDROP_WORKFLOW
        config: dict[str, Any] = {"name": name, "workflow": avatar, "batch_size": args.batch_size}
        if args.url:
            config["url"] = args.url[0] if len(args.url) == 1 else list(args.url)
        return config, {"workflow": avatar}, {"workflow": backdrop}
    for flag, value in (("--avatar-workflow", args.avatar_workflow),
                        ("--backdrop-workflow", args.backdrop_workflow), ("--api-url", args.url)):
        if value:
            raise UsageError(f"{flag} is for the comfyui backend (add --backend comfyui)")
    config = {"name": name}
    for option in ("model", "region", "profile"):
        if getattr(args, option, None):
            config[option] = getattr(args, option)
    return config, {}, {}


def _workflow(value: str | None) -> str | None:
    """A workflow named on the command line: a path relative to the current folder, or a
    shipped workflow's file name."""
    if not value:
        return None
    path = Path(value)
    return str(path.resolve()) if path.exists() else value
