"""Command-line wiring only: parse arguments, call one command, map errors to exit codes.

Exit codes: 0 success; 1 some targets failed (or ``diff --exit-code`` found changes);
2 a user error; 3 an internal error (traceback in .facebuild/facebuild.log); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from facebuild import __version__
from facebuild.gcpause import restored_at_exit

COMMANDS = {
    "build": "build the cast into dist/ (only what changed)",
    "diff": "show what a build would change, and why",
    "prompts": "print the rendered prompt and negative prompt of each target",
    "validate": "check a cast and the model's limits without building",
    "init": "write a starter cast that builds at once",
    "clean": "remove outputs that are no longer in the cast",
    "gc": "drop stored renders no lock refers to",
    "schema": "print the JSON Schema of cast.yaml",
    "explain": "say where a file in dist came from",
    "graph": "print the build graph: targets, renders, derived outputs, candidates",
    "sheet": "make a contact sheet: every character's chosen variant in a labelled grid",
    "pick": "pin a candidate's seed into cast.yaml, keeping its comments and layout",
    "avatars": "build persona avatars and call backdrops from a persona manifest",
    "import": "write an editable cast.yaml from other sources (personas)",
    "models": "list the Bedrock image models your account can use in a region",
    "generate": "ai_facegen's command: build a JSON config into {name}_{variant}.png files",
    "completion": "print a shell completion script (bash, zsh or fish)",
}

# Commands whose standard output is the thing asked for: -q keeps it.
ANSWERS = {"prompts", "schema", "explain", "completion", "models"}


def _global_args(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """-C, -q and -v, accepted before the command and after it (``facebuild -q build`` and
    ``facebuild build -q``). Under a command the defaults are suppressed, so that a flag
    given before the command is not reset by the subparser."""
    default = (lambda value: value) if top else (lambda value: argparse.SUPPRESS)
    parser.add_argument("-C", dest="directory_first", metavar="DIR", default=default(None),
                        help="run as if facebuild was started in DIR (like git -C, make -C)")
    parser.add_argument("-q", "--quiet", action="store_true", default=default(False),
                        help="print only errors and warnings (and what the command answers)")
    parser.add_argument("-v", "--verbose", action="count", default=default(0),
                        help="log what facebuild does to standard error (-vv: more)")


def _cast_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cast", nargs="?", default=None,
                        help="the cast file or its folder (default: the nearest cast.yaml in "
                        "this folder or its parents)")


def _store_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="DIR|s3://BUCKET/PREFIX",
                        help="where renders are kept (default: $FACEBUILD_STORE, else the cast's "
                        "store:, else .facebuild/store)")


def _backend_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("backend overrides")
    group.add_argument("--backend", metavar="NAME", help="sketch, bedrock or comfyui")
    group.add_argument("--model", help="model id (bedrock)")
    group.add_argument("--region", help="AWS region (bedrock)")
    group.add_argument("--profile", help="AWS profile (bedrock)")
    group.add_argument("--api-url", dest="url", action="append", metavar="URL",
                       help="ComfyUI server URL; repeat for a pool (comfyui)")
    group.add_argument("--workflow", help="API-format workflow JSON (comfyui)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="facebuild",
        description="make for character art: build a cast.yaml into a dist/ of portraits.",
    )
    parser.add_argument("--version", action="version", version=f"facebuild {__version__}")
    _global_args(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = {name: sub.add_parser(name, help=text, description=text) for name, text in COMMANDS.items()}
    for command in p.values():
        _global_args(command, top=False)

    b = p["build"]
    _cast_arg(b)
    b.add_argument("targets", nargs="*", metavar="TARGET",
                   help="only these targets: tessa-quark/bust, tessa-quark, '*/icon'")
    b.add_argument("--force", action="store_true",
                   help="rewrite every selected output, overwriting files edited by hand")
    b.add_argument("--jobs", "-j", type=int, metavar="N", help="renders at once (default: the "
                   "backend's limit)")
    b.add_argument("--dry-run", "-n", action="store_true", help="say what would be done")
    b.add_argument("--max-cost", type=float, metavar="USD",
                   help="refuse to start when the estimated cost is higher")
    b.add_argument("--yes", "-y", action="store_true", help="spend without asking")
    b.add_argument("--confirm-over", type=float, metavar="USD", default=None,
                   help="ask before spending more than this on a terminal (default 1.00, "
                   "or $FACEBUILD_CONFIRM_OVER)")
    b.add_argument("--output-format", choices=["auto", "plain", "json"], default="auto",
                   help="progress display (default: a progress bar on a terminal)")
    b.add_argument("--json", dest="output_format", action="store_const", const="json",
                   help="one JSON object per event (the same as --output-format json)")
    b.add_argument("--redact", action="store_true", help="privacy guard in redact mode for this "
                   "build: personal data in a prompt becomes [redacted] instead of failing it")
    _store_arg(b)
    _backend_args(b)

    d = p["diff"]
    _cast_arg(d)
    d.add_argument("--prompts", action="store_true", help="show a line diff of the prompts")
    d.add_argument("--json", action="store_true", help="print JSON")
    d.add_argument("--exit-code", action="store_true", help="exit 1 when anything would change")
    d.add_argument("--all", action="store_true", help="list unchanged targets too")
    d.add_argument("--html", metavar="FILE", help="write a self-contained review page of the "
                   "changed targets: old image beside new, prompt diff, reasons")
    d.add_argument("--render", action="store_true",
                   help="with --html: render the new images (may cost money)")
    d.add_argument("--base", metavar="REV",
                   help="compare with cast.lock as committed at git revision REV")
    _store_arg(d)
    _backend_args(d)

    pr = p["prompts"]
    _cast_arg(pr)
    pr.add_argument("targets", nargs="*", metavar="TARGET")
    pr.add_argument("--json", action="store_true", help="print JSON")
    _backend_args(pr)

    v = p["validate"]
    v.add_argument("casts", nargs="*", metavar="CAST",
                   help="cast files or folders (default: the nearest cast.yaml)")
    v.add_argument("--json", action="store_true", help="print JSON")
    _backend_args(v)

    i = p["init"]
    i.add_argument("directory", nargs="?", default=".", help="where to write cast.yaml")

    c = p["clean"]
    _cast_arg(c)
    c.add_argument("--dry-run", "-n", action="store_true", help="only list what would go")
    c.add_argument("--json", action="store_true", help="print JSON: removed, kept, left, dry_run")

    g = p["gc"]
    g.add_argument("casts", nargs="*", default=[], metavar="CAST",
                   help="casts whose locks say what to keep (default: the nearest cast.yaml)")
    g.add_argument("--dry-run", "-n", action="store_true", help="only say what would go")
    g.add_argument("--remote", action="store_true", help="collect the shared s3:// store "
                   "instead of the local one (a dry run unless --yes)")
    g.add_argument("--yes", "-y", action="store_true", help="with --remote: really delete")
    g.add_argument("--json", action="store_true", help="print JSON")
    _store_arg(g)
    e = p["explain"]
    e.add_argument("path", help="a file in dist")
    e.add_argument("--json", action="store_true", help="print JSON")

    gr = p["graph"]
    _cast_arg(gr)
    gr.add_argument("targets", nargs="*", metavar="TARGET", help="only these targets")
    gr.add_argument("--format", choices=["text", "dot", "mermaid"], default="text",
                    help="text (default), Graphviz DOT or Mermaid")
    _backend_args(gr)

    sh = p["sheet"]
    _cast_arg(sh)
    sh.add_argument("--variant", help="which variant to show (default: the first)")
    sh.add_argument("-o", "--output", metavar="FILE", default=None,
                    help="where to write the PNG (default: dist/contact-sheet.png)")

    pk = p["pick"]
    pk.add_argument("target", metavar="TARGET", help="e.g. tessa-quark/bust")
    pk.add_argument("candidate", type=int, metavar="N", help="the candidate number to keep")
    pk.add_argument("--cast", default=None,
                    help="the cast file (default: the nearest cast.yaml)")

    av = p["avatars"]
    av.add_argument("targets", nargs="*", metavar="TARGET",
                    help="only these targets: call-0003-speaker-00/avatar, call-0003-speaker-00, "
                    "'*/backdrop'")
    av.add_argument("--persona-manifest", required=True, metavar="FILE",
                    help="RUN/characters/persona_manifest.json")
    av.add_argument("--output-root", required=True, metavar="DIR", help="the run folder")
    av.add_argument("--allow-root", action="append", metavar="DIR",
                    help="also read persona and transcript files in DIR (repeatable)")
    av.add_argument("--avatar-workflow", metavar="FILE",
                    help="ComfyUI workflow for avatars (implies --backend comfyui)")
    av.add_argument("--backdrop-workflow", metavar="FILE",
                    help="ComfyUI workflow for backdrops (implies --backend comfyui)")
    av.add_argument("--avatar-inputs", metavar="JSON|FILE",
                    help="the comfyui inputs: mapping for avatars, as JSON or a JSON/YAML file")
    av.add_argument("--backdrop-inputs", metavar="JSON|FILE",
                    help="the comfyui inputs: mapping for backdrops, as JSON or a JSON/YAML file")
    av.add_argument("--force", action="store_true",
                    help="replace avatars changed by hand or not made by facebuild")
    av.add_argument("--initial-prompt", default="", metavar="TEXT",
                    help="prepended to every positive prompt, e.g. 'a drawing of'")
    av.add_argument("--api-url", dest="url", action="append", metavar="URL",
                    help="ComfyUI server URL; repeat for a pool (implies --backend comfyui)")
    av.add_argument("--batch-size", type=int, default=10, metavar="N",
                    help="jobs in flight per ComfyUI server (default 10)")
    av.add_argument("--backend", metavar="NAME", help="sketch (the default), bedrock or comfyui")
    av.add_argument("--model", help="model id (bedrock)")
    av.add_argument("--region", help="AWS region (bedrock)")
    av.add_argument("--profile", help="AWS profile (bedrock)")
    av.add_argument("--no-backdrops", action="store_true", help="avatars only")
    av.add_argument("--redact", action="store_true",
                    help="replace personal data in prompts instead of failing those outputs")
    av.add_argument("--jobs", "-j", type=int, metavar="N")
    av.add_argument("--output-format", choices=["auto", "plain", "json"], default="auto")

    im = p["import"]
    im.add_argument("kind", choices=["personas"], help="what to import")
    im.add_argument("source", metavar="MANIFEST", help="persona_manifest.json")
    im.add_argument("-o", "--output", default="cast.yaml", metavar="FILE",
                    help="the cast file to write (default: cast.yaml)")

    md = p["models"]
    md.add_argument("--region", help="AWS region (default: AWS_REGION or your AWS profile's)")
    md.add_argument("--profile", help="AWS profile")
    md.add_argument("--json", action="store_true", help="print JSON")

    gn = p["generate"]
    gn.add_argument("config", help="an ai_facegen JSON config (world, characters, variants) or a cast")
    gn.add_argument("-o", "--output", default=".", metavar="OUT",
                    help="output folder (default: the current folder)")
    gn.add_argument("-c", "--characters", nargs="+", action="extend", metavar="FILE",
                    help="character JSON files, or folders of them")
    gn.add_argument("-s", "--seed", type=int, help="send this seed for every variant "
                    "(SEED..SEED+N-1 with --count N)")
    gn.add_argument("-n", "--count", type=int, default=1, help="images per variant: "
                    "{name}_{variant}_{i}.png")
    gn.add_argument("--cache-dir", metavar="DIR", help="where renders are kept "
                    "(default: ~/.cache/facebuild/store)")
    gn.add_argument("--no-cache", action="store_true", help="keep no renders after this run")
    gn.add_argument("--max-cost", type=float, metavar="USD",
                    help="refuse to start when the estimated cost is higher")
    gn.add_argument("--jobs", "-j", type=int, metavar="N")
    gn.add_argument("--output-format", choices=["auto", "plain", "json"], default="auto")
    gn.add_argument("--backend", metavar="NAME", help="sketch, bedrock (default) or comfyui")
    gn.add_argument("-m", "--model", help="Bedrock model: an id, a short name (core, ultra, "
                    "sd35, titan, sdxl) or an inference profile")
    gn.add_argument("-r", "--region", help="AWS region (default: AWS_REGION or your profile's)")
    gn.add_argument("--profile", help="AWS profile")

    co = p["completion"]
    co.add_argument("shell", choices=["bash", "zsh", "fish"], help="the shell to complete in")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions (facebuild completion)
        from facebuild.completion import complete

        complete(parser)
    args = parser.parse_args(argv)
    start = os.getcwd()
    if args.directory_first is not None:
        try:
            os.chdir(args.directory_first)
        except OSError as exc:
            print(f"error: -C {args.directory_first}: {exc.strerror}; give a folder that exists",
                  file=sys.stderr)
            return 2
    try:
        with restored_at_exit():  # the no-op path leaves the collector off
            return _run(args)
    finally:
        os.chdir(start)  # main() is also called in-process (tests, tools)


def _run(args: argparse.Namespace) -> int:
    _split_cast_and_targets(args)
    if args.command == "gc" and not args.casts:
        from facebuild.commands.common import nearest_cast

        args.casts = [str(nearest_cast(Path.cwd()))]
    from facebuild.commands import run_command

    with contextlib.ExitStack() as stack:
        if args.verbose:
            stack.enter_context(_log_to_stderr(args.verbose))
        if args.quiet and not _answers(args):
            devnull = stack.enter_context(open(os.devnull, "w", encoding="utf-8"))
            stack.enter_context(contextlib.redirect_stdout(devnull))
        return run_command(args)


def _answers(args: argparse.Namespace) -> bool:
    """Whether standard output is what the user asked for (kept by -q)."""
    return (args.command in ANSWERS or bool(getattr(args, "json", False))
            or getattr(args, "output_format", None) == "json")


@contextlib.contextmanager
def _log_to_stderr(verbosity: int) -> Iterator[None]:
    """-v shows facebuild's INFO records, -vv its DEBUG records, on standard error."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("facebuild")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _split_cast_and_targets(args: argparse.Namespace) -> None:
    """``facebuild build tessa-quark/bust`` means the target, with the default cast."""
    cast = getattr(args, "cast", None)
    if cast is None or not hasattr(args, "targets") or os.path.exists(cast):
        return
    if not cast.endswith((".yaml", ".yml", ".json")):
        args.targets = [cast, *args.targets]
        args.cast = None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
