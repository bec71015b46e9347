"""Run ``facebuild ARGS`` in a process of its own with a slow image service registered as
``counting`` (the test's stand-in for a remote image API), for tests with two processes.

Each generation appends a line to the file named by ``$SLOW_LOG`` when it starts, then
takes ``$SLOW_SECONDS``."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from conftest import CountingBackend

from facebuild.backends import RenderRequest, register_backend
from facebuild.cli import main


class SlowBackend(CountingBackend):
    def generate(self, request: RenderRequest, progress: Any = None) -> bytes:
        with open(os.environ["SLOW_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {request.label}\n")
        time.sleep(float(os.environ.get("SLOW_SECONDS", "0.3")))
        return super().generate(request, progress)


def command(tests: Path, *args: str) -> list[str]:
    """The argv that runs this module with ``args``."""
    return [sys.executable, str(tests / "slowbuild.py"), *args]


if __name__ == "__main__":
    register_backend("counting", SlowBackend)
    sys.exit(main(sys.argv[1:]))
