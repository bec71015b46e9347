"""The first submission of a workflow decides for the others.

ComfyUI's HTTP 400 for a graph does not depend on the prompt text: the same workflow fails
the same way for every target. So the first job of each workflow is POSTed alone; the jobs
of the same workflow wait for its answer, and a rejection fails them all at once, with the
server's node error, without one more POST.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from facebuild.errors import BackendError

_SLICE = 0.25


@dataclass
class _Verdict:
    decided: threading.Event = field(default_factory=threading.Event)
    accepted: bool = False
    rejection: str | None = None


class WorkflowGate:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._verdicts: dict[str, _Verdict] = {}

    def enter(self, key: str, cancelled: threading.Event) -> bool:
        """True when the caller's job is the first of workflow ``key`` (it must then call
        ``accept``, ``reject`` or ``release``); False once the workflow was accepted.
        Raises the rejection of the workflow, if it was rejected."""
        while True:
            with self._lock:
                verdict = self._verdicts.get(key)
                if verdict is None:
                    self._verdicts[key] = _Verdict()
                    return True
            if verdict.rejection is not None:
                raise BackendError(verdict.rejection)
            if verdict.accepted:
                return False
            if cancelled.is_set():
                raise BackendError("cancelled")
            verdict.decided.wait(_SLICE)

    def accept(self, key: str) -> None:
        self._settle(key, accepted=True, rejection=None)

    def reject(self, key: str, message: str) -> None:
        self._settle(key, accepted=False, rejection=message)

    def release(self, key: str) -> None:
        """The first job ended undecided (its server dropped out): let the next one try."""
        with self._lock:
            verdict = self._verdicts.get(key)
            if verdict is not None and not verdict.accepted and verdict.rejection is None:
                del self._verdicts[key]
                verdict.decided.set()

    def _settle(self, key: str, *, accepted: bool, rejection: str | None) -> None:
        with self._lock:
            verdict = self._verdicts.setdefault(key, _Verdict())
            if verdict.accepted or verdict.rejection is not None:
                return
            verdict.accepted, verdict.rejection = accepted, rejection
            verdict.decided.set()
