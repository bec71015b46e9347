"""What the command line changes of a cast, as one typed value.

The CLI builds one ``Overrides`` from its flags at the edge; a command receives it as a
plain value, so it can be called from Python (and tests) without argparse. Imports only
light modules: the dispatch imports this module on the no-op fast path too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Overrides:
    """The backend overrides (``--backend``, ``--model``, ``--region``, ``--profile``,
    ``--workflow``, ``--api-url`` repeated for a pool) and ``--redact`` (the privacy guard
    replaces personal data in a prompt instead of failing it). ``None``: as the cast says."""

    backend: str | None = None
    model: str | None = None
    region: str | None = None
    profile: str | None = None
    workflow: str | None = None
    urls: tuple[str, ...] = ()
    redact: bool = False

    def backend_options(self) -> dict[str, Any]:
        """The overrides as backend options (``name`` for ``--backend``); a workflow that is
        a file here is given by its absolute path (a path on the command line is from here)."""
        options: dict[str, Any] = {}
        if self.backend:
            options["name"] = self.backend
        for option in ("model", "region", "profile", "workflow"):
            value = getattr(self, option)
            if value is not None:
                options[option] = value
        workflow = options.get("workflow")
        if workflow and Path(workflow).is_file():
            options["workflow"] = str(Path(workflow).resolve())
        if self.urls:
            options["url"] = self.urls[0] if len(self.urls) == 1 else list(self.urls)
        return options


NO_OVERRIDES = Overrides()
