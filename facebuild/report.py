"""Reporters: how a build tells what it does. The builder calls them; they never decide.

``PlainReporter`` prints one line per event (logs, CI), ``RichReporter`` a progress bar
with counts on a terminal, ``JsonReporter`` one JSON object per line.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import IO, Any

from facebuild.summaries import build_summary, start_line


@dataclass
class TargetResult:
    """What a build did to one target, and how long it took."""

    target: str
    status: str
    """generated, derived, cached, kept, removed or failed; in a dry run, what it would be."""
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


@dataclass
class BuildReport:
    """What a build did: a result per target, the renders paid for, the cost."""

    results: dict[str, TargetResult] = field(default_factory=dict)
    renders_generated: int = 0
    cost: float = 0.0
    """The estimate made before the build: renders needed × price."""
    price: float = 0.0
    """USD per paid render (0 on a free backend)."""
    dry_run: bool = False
    renders_needed: int = 0
    """In a dry run: the generations the build would make."""
    warnings: list[str] = field(default_factory=list)
    """What went wrong besides targets, e.g. a server that dropped out (and why)."""
    untouched: int = 0
    """Targets a plan of some characters left out (``Plan.scope``): up to date, counted as
    cached without a result each."""
    removed_files: list[str] = field(default_factory=list)
    """The files in dist the build removed (of targets gone, or moved), relative to dist."""

    @property
    def spent(self) -> float:
        """What the build paid: renders actually made × price."""
        return self.renders_generated * self.price

    @property
    def ok(self) -> bool:
        return not any(r.status == "failed" for r in self.results.values())

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            ("generated", "derived", "cached", "kept", "removed", "failed", "skipped"), 0)
        counts["cached"] += self.untouched
        for result in self.results.values():
            counts[result.status] += 1
        return counts

    def summary(self) -> str:
        renders = self.renders_needed if self.dry_run else self.renders_generated
        return build_summary(self.counts(), renders, self.cost, self.dry_run,
                             spent=self.spent)


class Reporter:
    """The events of a build, called from worker threads. This base says nothing (library
    use); subclasses override what they show."""

    def start(self, outputs: int, renders: int, cost: float) -> None: ...
    def progress(self, label: str, step: int, total: int) -> None: ...
    def generated(self, label: str, seconds: float) -> None: ...
    def wrote(self, target: str, how: str, path: str) -> None: ...
    def planned(self, target: str, how: str, path: str) -> None:
        """A dry run: ``target`` would be ``how`` (generated, derived, removed) at ``path``."""
    def kept(self, target: str, reason: str) -> None: ...
    def removed(self, target: str, path: str) -> None: ...
    def failed(self, target: str, message: str) -> None: ...
    def warning(self, message: str) -> None: ...
    def done(self, report: BuildReport) -> None: ...


NullReporter = Reporter


class PipeSafeReporter(Reporter):
    """Passes every event on until the reader of stdout goes away (``build | head -1``);
    from then on says nothing, so that a closed pipe never stops a build half way through
    its bookkeeping (the lock, the manifest, dist state)."""

    def __init__(self, inner: Reporter) -> None:
        self.inner = inner
        self.closed = False

    def _pass(self, event: str, *args: Any) -> None:
        if self.closed:
            return
        try:
            getattr(self.inner, event)(*args)
        except BrokenPipeError:
            self.closed = True
            _silence_stdout()

    def start(self, outputs: int, renders: int, cost: float) -> None:
        self._pass("start", outputs, renders, cost)

    def progress(self, label: str, step: int, total: int) -> None:
        self._pass("progress", label, step, total)

    def generated(self, label: str, seconds: float) -> None:
        self._pass("generated", label, seconds)

    def wrote(self, target: str, how: str, path: str) -> None:
        self._pass("wrote", target, how, path)

    def planned(self, target: str, how: str, path: str) -> None:
        self._pass("planned", target, how, path)

    def kept(self, target: str, reason: str) -> None:
        self._pass("kept", target, reason)

    def removed(self, target: str, path: str) -> None:
        self._pass("removed", target, path)

    def failed(self, target: str, message: str) -> None:
        self._pass("failed", target, message)

    def warning(self, message: str) -> None:
        self._pass("warning", message)

    def done(self, report: BuildReport) -> None:
        self._pass("done", report)


def _silence_stdout() -> None:
    """Point stdout at the null device: what is left in its buffer, and what a command
    prints after the build, then goes nowhere instead of raising again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (a library caller's stream)
        pass


_WOULD = {"generated": "would generate", "derived": "would derive", "removed": "would remove"}


class PlainReporter(Reporter):
    """One line per event, for logs and pipes."""

    def __init__(self, stream: IO[str] | None = None, *, verbose: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.verbose = verbose
        self._lock = threading.Lock()

    def _say(self, text: str) -> None:
        with self._lock:
            print(text, file=self.stream, flush=True)

    def start(self, outputs: int, renders: int, cost: float) -> None:
        self._say(start_line(outputs, renders, cost))

    def generated(self, label: str, seconds: float) -> None:
        if self.verbose:
            self._say(f"generated {label} in {seconds:.2f}s")

    def wrote(self, target: str, how: str, path: str) -> None:
        self._say(f"{how:>9}  {target} -> {path}")

    def planned(self, target: str, how: str, path: str) -> None:
        verb = _WOULD.get(how, how)
        self._say(f"{verb:>14}  {target} ({path})" if how == "removed" else
                  f"{verb:>14}  {target} -> {path}")

    def kept(self, target: str, reason: str) -> None:
        self._say(f"     kept  {target}: {reason}")

    def removed(self, target: str, path: str) -> None:
        self._say(f"  removed  {target} ({path})")

    def failed(self, target: str, message: str) -> None:
        self._say(f"   FAILED  {target}: {message}")

    def warning(self, message: str) -> None:
        self._say(f"warning: {message}")

    def done(self, report: BuildReport) -> None:
        self._say(report.summary())


class QuietReporter(PlainReporter):
    """``-q``: only what went wrong, on standard error (failures, hand edits kept,
    warnings); a build that went well prints nothing."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def start(self, outputs: int, renders: int, cost: float) -> None: ...
    def wrote(self, target: str, how: str, path: str) -> None: ...
    def planned(self, target: str, how: str, path: str) -> None: ...
    def removed(self, target: str, path: str) -> None: ...
    def done(self, report: BuildReport) -> None: ...


class JsonReporter(Reporter):
    """One JSON object per event, for tools."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def _emit(self, event: str, **fields: Any) -> None:
        with self._lock:
            print(json.dumps({"event": event, **fields}), file=self.stream, flush=True)

    def start(self, outputs: int, renders: int, cost: float) -> None:
        self._emit("start", outputs=outputs, renders=renders, cost=cost)

    def wrote(self, target: str, how: str, path: str) -> None:
        self._emit("wrote", target=target, how=how, path=path)

    def planned(self, target: str, how: str, path: str) -> None:
        self._emit("planned", target=target, how=how, path=path)

    def kept(self, target: str, reason: str) -> None:
        self._emit("kept", target=target, reason=reason)

    def removed(self, target: str, path: str) -> None:
        self._emit("removed", target=target, path=path)

    def failed(self, target: str, message: str) -> None:
        self._emit("failed", target=target, message=message)

    def warning(self, message: str) -> None:
        self._emit("warning", message=message)

    def done(self, report: BuildReport) -> None:
        self._emit("done", **report.counts(), cost=report.cost, spent=report.spent,
                   warnings=report.warnings)


class RichReporter(PlainReporter):
    """A progress bar with generated / derived / cached / failed counts."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        super().__init__(sys.stdout)
        self.console = Console(stderr=False)
        self.counts = {"generated": 0, "derived": 0, "failed": 0}
        self.progress_bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            console=self.console,
            transient=True,
        )
        self.task: Any = None

    def _counts(self) -> str:
        c = self.counts
        return (f"[green]{c['generated']} generated[/] · {c['derived']} derived · "
                f"[red]{c['failed']} failed[/]")

    def _say(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False)

    def start(self, outputs: int, renders: int, cost: float) -> None:
        super().start(outputs, renders, cost)
        self.progress_bar.start()
        self.task = self.progress_bar.add_task("building", total=outputs, counts=self._counts())

    def wrote(self, target: str, how: str, path: str) -> None:
        with self._lock:
            self.counts["generated" if how == "generated" else "derived"] += 1
            self.progress_bar.update(self.task, advance=1, counts=self._counts())

    def progress(self, label: str, step: int, total: int) -> None:
        with self._lock:
            self.progress_bar.update(self.task, description=f"{label} {step}/{total}")

    def failed(self, target: str, message: str) -> None:
        with self._lock:
            self.counts["failed"] += 1
            self.progress_bar.update(self.task, advance=1, counts=self._counts())
        from rich.markup import escape

        self.progress_bar.console.print(f"[red]FAILED[/] {escape(target)}: {escape(message)}",
                                        markup=True, highlight=False)

    def done(self, report: BuildReport) -> None:
        if self.task is not None:
            self.progress_bar.stop()
        super().done(report)
