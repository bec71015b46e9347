"""The CLI edge of the commands: each verb's parsed arguments unpacked onto its typed
function, the one place a command's values are read off an ``argparse.Namespace``.

A command is a plain function of the values it needs (``clean(cast, dry_run=...,
as_json=...)``), callable from Python without argparse. The shared backend overrides and
``--redact`` become one ``Overrides``, built here once. Each command module is imported only
when its verb runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from facebuild.commands.common import find_cast
from facebuild.commands.options import Overrides

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable


def overrides(args: argparse.Namespace) -> Overrides:
    """The backend overrides and ``--redact`` of a verb (those it has not are left unset)."""
    return Overrides(backend=getattr(args, "backend", None), model=getattr(args, "model", None),
                     region=getattr(args, "region", None), profile=getattr(args, "profile", None),
                     workflow=getattr(args, "workflow", None),
                     urls=tuple(getattr(args, "url", None) or ()),
                     redact=bool(getattr(args, "redact", False)))


def call(args: argparse.Namespace) -> int:
    """Run the verb ``args.command`` with its parsed arguments."""
    return CALLS[args.command](args)


def _build(args: argparse.Namespace) -> int:
    from facebuild.commands.build import build

    return build(find_cast(args.cast), args.targets, force=args.force, jobs=args.jobs,
                 dry_run=args.dry_run, max_cost=args.max_cost, confirm_over=args.confirm_over,
                 yes=args.yes, store=args.store, output_format=args.output_format,
                 quiet=args.quiet, overrides=overrides(args))


def _diff(args: argparse.Namespace) -> int:
    from facebuild.commands.diff import diff

    return diff(find_cast(args.cast), show_all=args.all, prompts=args.prompts, as_json=args.json,
                exit_code=args.exit_code, html=Path(args.html) if args.html else None,
                render=args.render, base=args.base, store=args.store, overrides=overrides(args))


def _clean(args: argparse.Namespace) -> int:
    from facebuild.commands.clean import clean

    return clean(find_cast(args.cast), dry_run=args.dry_run, as_json=args.json)


def _completion(args: argparse.Namespace) -> int:
    from facebuild.commands.completion import completion

    return completion(args.shell)


def _explain(args: argparse.Namespace) -> int:
    from facebuild.commands.explain import explain

    return explain(Path(args.path), as_json=args.json)


def _gc(args: argparse.Namespace) -> int:
    from facebuild.commands.gc import gc

    return gc([Path(name) for name in args.casts], store=args.store, dry_run=args.dry_run,
              remote=args.remote, yes=args.yes, as_json=args.json)


def _generate(args: argparse.Namespace) -> int:
    from facebuild.commands.generate import Generation, generate

    generation = Generation(output=Path(args.output),
                            characters=tuple(Path(p) for p in args.characters or ()),
                            seed=args.seed, count=args.count)
    return generate(Path(args.config), generation,
                    cache_dir=Path(args.cache_dir) if args.cache_dir else None,
                    no_cache=args.no_cache, max_cost=args.max_cost, jobs=args.jobs,
                    output_format=args.output_format, quiet=args.quiet, overrides=overrides(args))


def _graph(args: argparse.Namespace) -> int:
    from facebuild.commands.graph import graph

    return graph(find_cast(args.cast), args.targets, notation=args.format,
                 overrides=overrides(args))


def _import(args: argparse.Namespace) -> int:
    from facebuild.commands.import_cast import import_personas

    return import_personas(Path(args.source), Path(args.output))  # kind: personas, the only one


def _init(args: argparse.Namespace) -> int:
    from facebuild.commands.init import init

    return init(Path(args.directory))


def _models(args: argparse.Namespace) -> int:
    from facebuild.commands.models import models

    return models(region=args.region, profile=args.profile, as_json=args.json)


def _pick(args: argparse.Namespace) -> int:
    from facebuild.commands.pick import pick

    return pick(args.target, args.candidate, cast=find_cast(args.cast))


def _prompts(args: argparse.Namespace) -> int:
    from facebuild.commands.prompts import prompts

    return prompts(find_cast(args.cast), args.targets, as_json=args.json,
                   overrides=overrides(args))


def _schema(args: argparse.Namespace) -> int:
    from facebuild.commands.schema import schema

    return schema()


def _sheet(args: argparse.Namespace) -> int:
    from facebuild.commands.sheet import sheet

    return sheet(find_cast(args.cast), variant=args.variant,
                 output=Path(args.output) if args.output else None)


def _validate(args: argparse.Namespace) -> int:
    from facebuild.commands.validate import validate

    return validate(args.casts, as_json=args.json, overrides=overrides(args))


def _avatars(args: argparse.Namespace) -> int:
    from facebuild.commands.avatar_options import ComfyUIFlags
    from facebuild.commands.avatars import AvatarRun, avatars

    run = AvatarRun(persona_manifest=Path(args.persona_manifest),
                    output_root=Path(args.output_root),
                    allowed_roots=tuple(Path(p) for p in args.allow_root or ()),
                    targets=tuple(args.targets), initial_prompt=args.initial_prompt,
                    backdrops=not args.no_backdrops, force=args.force, jobs=args.jobs)
    comfyui = ComfyUIFlags(avatar_workflow=args.avatar_workflow,
                           backdrop_workflow=args.backdrop_workflow,
                           avatar_inputs=args.avatar_inputs, backdrop_inputs=args.backdrop_inputs,
                           batch_size=args.batch_size)
    return avatars(run, overrides=overrides(args), comfyui=comfyui,
                   output_format=args.output_format, quiet=args.quiet)


CALLS: dict[str, Callable[[argparse.Namespace], int]] = {
    "avatars": _avatars, "build": _build, "clean": _clean, "completion": _completion,
    "diff": _diff, "explain": _explain,
    "gc": _gc, "generate": _generate, "graph": _graph, "import": _import, "init": _init,
    "models": _models, "pick": _pick, "prompts": _prompts, "schema": _schema, "sheet": _sheet,
    "validate": _validate,
}
"""Every verb, by name."""
