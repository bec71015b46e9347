"""facebuild avatars: persona avatars and call backdrops from a persona manifest, built
with the same engine as ``facebuild build`` (plan, store, lock, privacy guard).

The build runs in RUN/.facebuild/ (store, lock, and the review files: gallery, contact
sheet, manifest.json in RUN/.facebuild/avatars/); the avatars, the backdrops and
image_manifest.json are then placed in RUN/comfyui_images/avatar/, where the downstream
steps look for them, and nothing else is."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facebuild.commands.avatar_options import COMFYUI_DEFAULTS, Backend, ComfyUIFlags, choose_backend
from facebuild.commands.options import NO_OVERRIDES, Overrides
from facebuild.errors import UsageError

STATE = ".facebuild"
REVIEW = "avatars"
"""The build's own dist inside RUN/.facebuild/: the gallery and contact sheet to review."""


@dataclass(frozen=True)
class AvatarRun:
    """What one ``avatars`` run builds: from which persona manifest, into which run
    folder, reading persona files in which other folders too, and how."""

    persona_manifest: Path
    output_root: Path
    allowed_roots: tuple[Path, ...] = ()
    targets: tuple[str, ...] = ()
    initial_prompt: str = ""
    backdrops: bool = True
    force: bool = False
    jobs: int | None = None


def avatars(run: AvatarRun, *, overrides: Overrides = NO_OVERRIDES,
            comfyui: ComfyUIFlags = COMFYUI_DEFAULTS, output_format: str = "auto",
            quiet: bool = False) -> int:
    """Build the persona avatars and call backdrops of ``run`` and place them in its run
    folder; 1 when an output failed, was skipped or kept."""
    from facebuild.personas.publish import OUTPUT

    root = run.output_root
    if not root.is_dir():
        raise UsageError(f"--output-root {root}: no such folder (the run folder of the personas)")
    for flag, value in (("--batch-size", comfyui.batch_size), ("--jobs", run.jobs)):
        if value is not None and value < 1:
            raise UsageError(f"{flag} must be at least 1, got {value}")
    for inside in (root / OUTPUT, root / STATE):
        if not inside.resolve().is_relative_to(root.resolve()):
            raise UsageError(f"{inside} leads out of the run folder (a symlink): nothing is "
                             "written through it; make it a folder")
    for folder in run.allowed_roots:
        if not folder.is_dir():
            raise UsageError(f"--allow-root {folder}: no such folder")
    backend = choose_backend(overrides, comfyui)
    _say(output_format, f"backend: {backend.summary}", backend=backend.config["name"])
    code, placed = _build(run, backend, redact=overrides.redact, output_format=output_format,
                          quiet=quiet)
    _say(output_format, f"placed {placed.written} new or changed image(s) of {placed.total} in "
         f"{root / OUTPUT}, with image_manifest.json; review them in "
         f"{root / STATE / REVIEW / 'index.html'}", placed=placed.written, total=placed.total)
    return code


def _say(output_format: str, line: str, **fields: Any) -> None:
    """A line of the command's own, or an event with ``--output-format json``."""
    if output_format == "json":
        print(json.dumps({"event": "avatars", "message": line, **fields}), flush=True)
    else:
        print(line, flush=True)


@dataclass(frozen=True)
class _Counts:
    written: int
    total: int


def _build(run: AvatarRun, backend: Backend, *, redact: bool, output_format: str,
           quiet: bool) -> tuple[int, _Counts]:
    from facebuild.builder import Builder, build_lock
    from facebuild.cast import cast_from_data
    from facebuild.commands.build import make_reporter
    from facebuild.dist import read_cast_lock
    from facebuild.personas import default_variants, load_personas
    from facebuild.personas.outputs import write_image_manifest
    from facebuild.personas.publish import OUTPUT, leftovers, place
    from facebuild.privacy import Guard

    root = run.output_root
    mode = "redact" if redact else "fail"
    extra = {"initial_prompt": run.initial_prompt.strip()} if run.initial_prompt.strip() else {}
    personas = load_personas(run.persona_manifest, run_folder=root,
                             backdrops=run.backdrops, extra=extra, guard=Guard(mode),
                             allowed=list(run.allowed_roots))
    for warning in personas.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    data: dict[str, Any] = {
        "version": 1,
        "name": f"persona avatars of {root.resolve().name}",
        "backend": backend.config,
        "dist": REVIEW,
        "store": "store",
        "template": "avatar.j2",
        "privacy": {"mode": mode},
        "variants": default_variants(backend.avatar_options, backend.backdrop_options),
        "characters": personas.characters,
    }
    state = root / STATE
    cast = cast_from_data(data, state)
    from facebuild.planner import plan

    the_plan = plan(cast)
    # an output skipped this time (a missing persona, --no-backdrops) keeps its old file
    partial = personas.skipped or not run.backdrops
    targets = list(run.targets) or (list(the_plan.targets) if partial else None)
    report = Builder(the_plan, make_reporter(output_format, quiet=quiet)).run(
        targets, force=run.force, jobs=run.jobs, dry_run=False, max_cost=None, confirm=None)
    out = root / OUTPUT
    with build_lock(cast):  # another avatars run of this folder places nothing meanwhile
        placed = place(read_cast_lock(cast), cast.dist_dir, out, state, force=run.force)
        write_image_manifest(out, placed.files, str(root / OUTPUT))
    old = leftovers(out)
    if old:
        print(f"warning: {out} still holds {', '.join(old)} of an older facebuild; the steps "
              "that scan it for avatars take those images too: remove them (the build state "
              f"now lives in {state})", file=sys.stderr)
    for where in placed.kept:
        print(f"warning: {out / where}: changed since facebuild placed it, or not made by "
              "facebuild; kept (--force replaces it)", file=sys.stderr)
    if personas.skipped:
        print(f"warning: {personas.skipped} output(s) skipped, see the warnings above",
              file=sys.stderr)
    code = 0 if report.ok and not personas.skipped and not placed.kept else 1
    return code, _Counts(len(placed.written), len(placed.files))
