"""One module per verb; ``run_command`` is the single error handler at the CLI edge."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from facebuild.errors import FacebuildError

LOG_FILE = Path(".facebuild") / "facebuild.log"

# A verb whose name is a Python keyword lives in a module named for what it does.
MODULES = {"import": "import_cast"}


def run_command(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"facebuild.commands.{MODULES.get(args.command, args.command)}")
    try:
        return int(module.run(args))
    except FacebuildError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line for the user, the traceback in a log
        log = _write_log()
        print(f"internal error: {type(exc).__name__}: {exc} (details in {log}; "
              "please report it)", file=sys.stderr)
        return 3


def _write_log() -> Path:
    try:
        LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
        with LOG_FILE.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()} facebuild "
                         f"{' '.join(sys.argv[1:])}\n")
            handle.write(traceback.format_exc())
        return LOG_FILE
    except OSError:
        return Path("(log not writable)")
