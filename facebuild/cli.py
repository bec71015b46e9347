"""Command-line wiring only: parse arguments, call one command, map errors to exit codes.

Exit codes: 0 success; 1 some targets failed (or ``diff --exit-code`` found changes);
2 a user error; 3 an internal error (traceback in .facebuild/facebuild.log); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from facebuild import __version__

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
}


def _cast_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cast", nargs="?", default="cast.yaml",
                        help="the cast file (default: cast.yaml)")


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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = {name: sub.add_parser(name, help=text, description=text) for name, text in COMMANDS.items()}

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
    _backend_args(d)

    pr = p["prompts"]
    _cast_arg(pr)
    pr.add_argument("targets", nargs="*", metavar="TARGET")
    _backend_args(pr)

    v = p["validate"]
    _cast_arg(v)
    _backend_args(v)

    i = p["init"]
    i.add_argument("directory", nargs="?", default=".", help="where to write cast.yaml")

    c = p["clean"]
    _cast_arg(c)
    c.add_argument("--dry-run", "-n", action="store_true", help="only list what would go")

    g = p["gc"]
    g.add_argument("casts", nargs="*", default=["cast.yaml"], metavar="CAST",
                   help="casts whose locks say what to keep (default: cast.yaml)")
    g.add_argument("--dry-run", "-n", action="store_true", help="only say what would go")
    e = p["explain"]
    e.add_argument("path", help="a file in dist")

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
    pk.add_argument("--cast", default="cast.yaml", help="the cast file (default: cast.yaml)")

    av = p["avatars"]
    av.add_argument("--persona-manifest", required=True, metavar="FILE",
                    help="RUN/characters/persona_manifest.json")
    av.add_argument("--output-root", required=True, metavar="DIR", help="the run folder")
    av.add_argument("--avatar-workflow", metavar="FILE", help="ComfyUI workflow for avatars")
    av.add_argument("--backdrop-workflow", metavar="FILE", help="ComfyUI workflow for backdrops")
    av.add_argument("--initial-prompt", default="", metavar="TEXT",
                    help="prepended to every positive prompt, e.g. 'a drawing of'")
    av.add_argument("--api-url", dest="url", action="append", metavar="URL",
                    help="ComfyUI server URL; repeat for a pool")
    av.add_argument("--batch-size", type=int, default=10, metavar="N",
                    help="jobs in flight per ComfyUI server (default 10)")
    av.add_argument("--backend", metavar="NAME", help="sketch, bedrock or comfyui")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    _split_cast_and_targets(args)
    from facebuild.commands import run_command

    return run_command(args)


def _split_cast_and_targets(args: argparse.Namespace) -> None:
    """``facebuild build tessa-quark/bust`` means the target, with the default cast."""
    import os

    cast = getattr(args, "cast", None)
    if cast is None or not hasattr(args, "targets") or os.path.exists(cast):
        return
    if not cast.endswith((".yaml", ".yml", ".json")):
        args.targets = [cast, *args.targets]
        args.cast = "cast.yaml"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
