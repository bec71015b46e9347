"""One module per verb, each a plain function of parsed values; ``run_command`` is the single
error handler at the CLI edge."""

from __future__ import annotations

import argparse
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from facebuild.errors import FacebuildError
from facebuild.urls import mask_argv, mask_text

LOG_FILE = Path(".facebuild") / "facebuild.log"
"""Where the log goes when a command names no cast (else the cast's own ``.facebuild/``)."""



def run_command(args: argparse.Namespace) -> int:
    """Run the verb of the parsed arguments ``args``, mapping what it raises to one line and
    an exit status."""
    try:
        return _call(args)
    except FacebuildError as exc:
        report_error(exc)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line for the user, the traceback in a log
        log = _write_log(log_file(args))
        print(f"internal error: {type(exc).__name__}: {screened(str(exc))} (details in {log}; "
              "please report it)", file=sys.stderr)
        return 3


def _call(args: argparse.Namespace) -> int:
    from facebuild.commands.calls import call

    return call(args)


def report_error(exc: FacebuildError) -> None:
    """A user mistake as the CLI shows it: ``error:`` lines on stderr, screened."""
    for line in screened(str(exc)).splitlines():
        print(f"error: {line}", file=sys.stderr)


def screened(text: str) -> str:
    """A message or log text as it may be shown: URL user-info masked, and any personal
    datum or secret that a cast, a persona or a server put into it masked by the privacy
    guard (messages go to terminals and CI logs). A loopback or private-network address
    names a server, not a person: it stays, so that 'server 127.0.0.1:8188 is unreachable'
    says which one."""
    import ipaddress

    from facebuild.privacy import replace, scan

    def personal(hit_kind: str, value: str) -> bool:
        if hit_kind != "IP address":
            return True
        try:
            address = ipaddress.ip_address(value.strip("[]"))
        except ValueError:
            return True
        return not (address.is_loopback or address.is_private)

    text = mask_text(text)
    hits = [hit for hit in scan(text) if personal(hit.kind, hit.value)]
    return replace(text, hits, None)


def log_file(args: argparse.Namespace) -> Path:
    """The cast's ``.facebuild/facebuild.log`` (the parsed args carry the cast path), or
    the current folder's when the command names no cast or its folder does not exist."""
    cast = getattr(args, "cast", None)
    if not isinstance(cast, str):
        casts = getattr(args, "casts", None)
        cast = casts[0] if isinstance(casts, list) and casts and isinstance(casts[0], str) else None
    if cast:
        path = Path(cast)
        folder = path if path.is_dir() else path.parent
        if folder.is_dir():
            return folder / LOG_FILE
    return LOG_FILE


def _write_log(path: Path) -> Path:
    """Append the command line and the traceback, with URL user-info and secret-looking
    arguments masked."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()} facebuild "
                         f"{screened(' '.join(mask_argv(sys.argv[1:])))}\n")
            handle.write(screened(traceback.format_exc()))
        return path
    except OSError:
        return Path("(log not writable)")
