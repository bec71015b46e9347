"""Workflows loaded once per build, with their injection points, shared by all threads."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facebuild.backends.comfyui.injection import InjectionError, find_injection
from facebuild.backends.comfyui.workflow import (
    Injection,
    Workflow,
    load_workflow,
    resolve_workflow_path,
)
from facebuild.errors import CastError


@dataclass(frozen=True)
class PreparedWorkflow:
    workflow: Workflow
    injection: Injection


class WorkflowCache:
    """``get(ref, inputs)`` loads and resolves a workflow the first time only."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self._lock = threading.Lock()
        self._workflows: dict[Path, Workflow] = {}
        self._prepared: dict[tuple[Path, str], PreparedWorkflow] = {}

    def get(self, ref: str, inputs: Mapping[str, Any] | None, *, key: str) -> PreparedWorkflow:
        """``key`` is where the options came from (``backend`` or ``""`` for a variant);
        a missing file, a file not in API format or unplaceable inputs raise ``CastError``."""
        prefix = f"{key}." if key else ""
        path = resolve_workflow_path(ref, self.base_dir, key=f"{prefix}workflow")
        inputs_key = json.dumps(inputs, sort_keys=True, default=str)
        with self._lock:
            cached = self._prepared.get((path, inputs_key))
            if cached is not None:
                return cached
            workflow = self._workflows.get(path)
            if workflow is None:
                workflow = load_workflow(path, key=f"{prefix}workflow")
                self._workflows[path] = workflow
            try:
                injection = find_injection(workflow, inputs)
            except InjectionError as exc:
                raise CastError(str(exc), key=f"{prefix}inputs") from exc
            prepared = PreparedWorkflow(workflow, injection)
            self._prepared[(path, inputs_key)] = prepared
            return prepared
