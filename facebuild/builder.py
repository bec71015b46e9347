"""Run a plan: generate missing renders (concurrently, within the backend's limit), store
each the moment it arrives, derive every output from its stored render, and write the
outputs, the lock and the manifest atomically."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from facebuild import images
from facebuild.backends import Backend, ProgressCallback, RenderRequest
from facebuild.cast import Cast
from facebuild.changes import Change, Diff, diff
from facebuild.dist import (
    GALLERY,
    MANIFEST,
    build_lock,
    ensure_inside,
    journal_path,
    read_plan_lock,
    remove_file,
    remove_output,
    remove_partial_writes,
    write_output,
)
from facebuild.diststate import DistState
from facebuild.errors import BackendError, CastError, FacebuildError, LimitError
from facebuild.gallery import write_site
from facebuild.keys import file_sha256
from facebuild.lock import Lock, LockEntry, write_lock
from facebuild.lockjournal import Journal
from facebuild.manifest import write_manifest
from facebuild.planner import Plan, Target, collision, plan
from facebuild.pricing import priced
from facebuild.render import RenderOutcome, needed, run_renders
from facebuild.report import BuildReport, NullReporter, PipeSafeReporter, Reporter, TargetResult
from facebuild.storeplace import open_store

log = logging.getLogger(__name__)

ConfirmCost = Callable[[int, float], bool]
"""Asked before spending: (paid generations, estimated USD) -> go ahead?"""


def build(
    cast: Cast,
    targets: Iterable[str] | None = None,
    *,
    force: bool = False,
    jobs: int | None = None,
    dry_run: bool = False,
    backend: Backend | None = None,
    progress: Reporter | None = None,
    max_cost: float | None = None,
    confirm: ConfirmCost | None = None,
) -> BuildReport:
    """Bring dist/ and the lock up to date with ``cast``, as ``facebuild build`` does.
    ``progress`` receives the build's events (see ``facebuild.report``)."""
    the_plan = plan(cast, backend)
    return Builder(the_plan, progress or NullReporter()).run(
        targets, force=force, jobs=jobs, dry_run=dry_run, max_cost=max_cost, confirm=confirm)


class Builder:
    def __init__(self, the_plan: Plan, reporter: Reporter, store: str | None = None) -> None:
        self.plan = the_plan
        self.cast = the_plan.cast
        self.backend = the_plan.backend
        self.reporter: Reporter = PipeSafeReporter(reporter)  # a closed stdout skips no bookkeeping
        self.store = open_store(self.cast, store, on_bad=self._bad_render)
        self.report = BuildReport()
        self._mutex = threading.Lock()

    def run(self, names: Iterable[str] | None, *, force: bool, jobs: int | None,
            dry_run: bool, max_cost: float | None, confirm: ConfirmCost | None) -> BuildReport:
        problems = self.plan.check()
        if problems:
            raise LimitError(f"{len(problems)} target(s) break the limits of "
                             f"{self.plan.capabilities.model}, nothing was generated:\n"
                             + "\n".join(problems))
        selected = set(self.plan.select(names)) if names else set(self.plan.targets)
        if self.cast.dist_dir.exists() and not self.cast.dist_dir.is_dir():
            raise CastError(f"dist: {self.cast.dist_dir} is a file, not a folder",
                            hint="move the file away, or set dist: to a folder")
        self.report.dry_run = dry_run
        with build_lock(self.cast):
            journal_file = journal_path(self.cast)
            lock = read_plan_lock(self.plan)
            if self.plan.scope is not None:
                self._check_outside(lock)
            state = DistState.load(self.cast.state_dir, self.cast.dist_dir)
            changes = diff(self.plan, lock, dist_state=state)
            work = self._work(changes, selected, force, lock, state)
            blocked = [t for t in work if t.blocked]  # by the privacy guard: never sent
            work = [t for t in work if not t.blocked]
            self.store.prefetch({t.render_key for t in work})  # a shared store: all at once
            renders = needed((t.render_key for t in work), self.plan.renders(), self.store.has)
            log.info("%d targets to write, %d renders to make, %d kept as they are",
                     len(work), len(renders), len(self.plan.targets) - len(work))
            self._check_cost(len(renders), max_cost, confirm)
            self.reporter.start(len(work) + len(blocked), len(renders), self.report.cost)
            for target in blocked:
                self._fail(target, str(target.blocked))
            if dry_run:
                self._plan_only(work, renders, changes, state, stale=names is None)
                self.reporter.done(self.report)
                return self.report
            if journal_file.exists():  # a build was killed: its temp files may be left
                remove_partial_writes(self.cast.dist_dir)
            journal = Journal(journal_file)
            recorded = False
            try:
                self._execute(work, renders, jobs, lock, state, journal)
                if names is None:
                    self._remove_stale(changes, lock, state, journal)
                self._remove_moved(changes, work, state)
                site = (MANIFEST, GALLERY)  # rewritten when changed or missing
                rewrite = lock.changed or not all((self.cast.dist_dir / f).exists() for f in site)
                if rewrite:
                    self._write_lock(lock, journal_file)
                recorded = True
                if rewrite:
                    write_manifest(self.cast.dist_dir, lock, state=self.cast.state_dir,
                                   lock_file=self.cast.lock_path)
                    write_site(self.cast, lock, scope=self.plan.scope, lock_file=self.cast.lock_path)
            finally:
                state.save()
                journal.close(delete=recorded)  # kept until the lock holds what it says
        self.reporter.done(self.report)
        return self.report

    def _check_outside(self, lock: Lock) -> None:
        """A plan of some characters: count the others' targets as cached, and refuse an
        output that one of them writes (as the planner refuses it in a whole plan)."""
        names = lock.names()
        self.report.untouched = len(names) - len(self.plan.covered(names))
        for target in self.plan.targets.values():
            other = lock.owner(target.output)
            if other is not None and not self.plan.covers(other):
                raise collision(self.cast, other, target)

    def _plan_only(self, work: list[Target], renders: dict[str, RenderRequest], changes: Diff,
                   state: DistState, *, stale: bool) -> None:
        """A dry run: each target that would be generated, derived or removed, as a result
        and a ``planned`` event; nothing is written."""
        self.report.renders_needed = len(renders)
        for target in work:
            how = "generated" if target.render_key in renders else "derived"
            self.report.results[target.name] = TargetResult(target.name, how, [target.output])
            self.reporter.planned(target.name, how, target.output)
        if stale:
            self._remove_stale(changes, None, state, None)

    def _bad_render(self, key: str, problem: str) -> None:
        """A stored render failed verification: say which targets it is for."""
        names = [t.name for t in self.plan.targets.values() if t.render_key == key]
        self.reporter.warning(f"{', '.join(names[:3]) or key[:12]}: its stored render {problem}")

    def _work(self, changes: Diff, selected: set[str], force: bool, lock: Lock,
              state: DistState) -> list[Target]:
        work: list[Target] = []
        for name in self.plan.targets:
            change = changes.changes[name]
            if name not in selected:
                continue
            if change.status == "edited" and not force and self._adopt(change.new, lock, state):
                assert change.new is not None
                self.report.results[name] = TargetResult(name, "cached", [change.new.output])
            elif change.status == "edited" and not force:
                reasons = ", ".join(change.reasons[1:])
                why = f"; it would be rebuilt for: {reasons}" if reasons else ""
                self.report.results[name] = TargetResult(name, "kept", [change.new.output]
                                                         if change.new else [])
                self.reporter.kept(name, f"{change.reasons[0]}, not overwritten{why} "
                                         "(--force overwrites it)")
            elif change.needs_output or force or change.status == "edited":
                assert change.new is not None
                work.append(change.new)
            else:
                assert change.new is not None
                self.report.results[name] = TargetResult(name, "cached", [change.new.output])
        return work

    def _check_cost(self, renders: int, max_cost: float | None,
                    confirm: ConfirmCost | None) -> None:
        caps = self.plan.capabilities
        spend = priced(caps, renders)
        for warning in spend.warnings:
            self.reporter.warning(warning)
        if not spend.cost:
            return
        cost = spend.cost
        self.report.cost = cost
        self.report.price = spend.price
        limit = max_cost if max_cost is not None else self.cast.spec.max_cost
        if limit is not None and cost > limit:
            raise LimitError(f"this build would make {renders} paid generations with {caps.model}"
                             f" at ${spend.price:.3f} each, estimated ${cost:.2f}, "
                             f"over the limit of ${limit:.2f}; nothing was generated "
                             "(raise --max-cost or build fewer targets)")
        if confirm is not None and not confirm(renders, cost):
            raise LimitError(f"cancelled: {renders} paid generations (estimated ${cost:.2f}) "
                             "were not confirmed; nothing was generated")

    def _execute(self, work: list[Target], renders: dict[str, RenderRequest], jobs: int | None,
                 lock: Lock, state: DistState, journal: Journal) -> None:
        by_render: dict[str, list[Target]] = {}
        for target in work:
            by_render.setdefault(target.render_key, []).append(target)
        if renders:
            set_sink = getattr(self.backend, "set_warning_sink", None)
            if callable(set_sink):  # backends with servers that may drop out mid-build
                set_sink(self._warn)
            self.backend.preflight()
        limit = self.plan.capabilities.max_concurrency
        workers = max(1, min(jobs or limit, limit)) if renders else max(1, jobs or os.cpu_count() or 2)
        context = _Context(lock, state, journal)
        requests = {key: targets[0].request for key, targets in by_render.items()}
        requests.update(renders)  # renders only referenced by the work come along

        def finished(outcome: RenderOutcome) -> None:
            self._rendered(outcome, by_render.get(outcome.key, []), context)

        def progress(request: RenderRequest) -> ProgressCallback:
            return lambda step, total: self.reporter.progress(request.label, step, total)

        try:
            bugs = run_renders(self.backend, self.store, requests, workers=workers,
                               on_render=finished, progress=progress)
            for key, error in bugs:
                self._surface_bug(error, by_render.get(key, []))
        except KeyboardInterrupt:
            write_lock(self.cast.lock_path, lock)
            raise
        finally:
            self.backend.close()

    def _warn(self, message: str) -> None:
        with self._mutex:
            self.report.warnings.append(message)
        self.reporter.warning(message)

    def _surface_bug(self, error: BaseException, targets: list[Target]) -> None:
        """A worker that raised something unexpected fails its targets, loudly: never a
        build that says nothing about outputs it did not write."""
        for target in targets:
            if target.name not in self.report.results:
                self._fail(target, f"internal error: {type(error).__name__}: {error}")

    def _rendered(self, outcome: RenderOutcome, targets: list[Target], context: _Context) -> None:
        """One render obtained (or failed): count it, then derive its targets' outputs."""
        exc = outcome.error
        if isinstance(exc, FacebuildError):
            message = exc.message if isinstance(exc, BackendError) else str(exc)
            if isinstance(exc, BackendError) and exc.retryable:  # worth building again
                message += " (transient: the next build tries it again)"
            for target in targets:
                self._fail(target, message)
            return
        if exc is not None:  # a bug in a backend must not stop the other targets
            for target in targets:
                self._fail(target, f"internal error in the {self.backend.name} backend: {exc!r}")
            return
        if outcome.generated:
            with self._mutex:
                self.report.renders_generated += 1
            self.reporter.generated(outcome.request.label, outcome.seconds)
        if targets:
            self._derive_all(outcome.key, targets, context,
                             "generated" if outcome.generated else "derived", outcome.seconds,
                             outcome.data)

    def _derive_all(self, key: str, targets: list[Target], context: _Context, how: str,
                    seconds: float = 0.0, render: bytes | None = None) -> None:
        try:
            image = images.decode(render if render is not None else self.store.get(key))
        except (OSError, FacebuildError) as exc:
            for target in targets:
                self._fail(target, f"cannot read stored render {key[:12]}: {exc}")
            return
        for target in targets:
            started = time.monotonic()
            try:
                self._write_output(target, image, context)
            except FacebuildError as exc:
                self._fail(target, str(exc))
                continue
            except OSError as exc:
                self._fail(target, f"cannot write {self.cast.spec.dist}/{target.output}: "
                                   f"{exc.strerror or exc}")
                continue
            elapsed = seconds + time.monotonic() - started
            with self._mutex:
                self.report.results[target.name] = TargetResult(
                    target.name, how, [target.output], elapsed)
            self.reporter.wrote(target.name, how, target.output)

    def _adopt(self, target: Target | None, lock: Lock, state: DistState) -> bool:
        """Whether the file in the way of ``target`` holds exactly what this build would
        write there, and so is facebuild's own: a build killed between writing an output
        and recording it leaves such a file. It is recorded, not kept as a hand edit."""
        if target is None or not self.store.has(target.render_key):
            return False
        try:
            data = self._output_bytes(target, images.decode(self.store.get(target.render_key)))
        except (OSError, FacebuildError):
            return False
        digest = file_sha256(data)
        if state.sha256(target.output) != digest:
            return False
        lock.put(target.name, lock_entry(target, digest, self.plan.capabilities.price_per_image))
        return True

    def _output_bytes(self, target: Target, render: Image.Image) -> bytes:
        """The bytes of ``target``'s file: its render cropped, scaled and encoded with its
        provenance (deterministic: the same inputs give the same bytes)."""
        metadata = {
            "facebuild:target": target.name,
            "prompt": target.prompt,
            "negative": target.request.negative,
            "seed": str(target.seed),
            "backend": str(target.render_inputs["backend"]),
            "model": str(target.render_inputs["model"]),
            "render_key": target.render_key,
        }
        return images.derive(render, target.post, metadata)

    def _write_output(self, target: Target, render: Image.Image, context: _Context) -> None:
        ensure_inside(self.cast, context.state, target.output)  # before the work of deriving
        digest = write_output(self.cast, target.output, self._output_bytes(target, render))
        entry = lock_entry(target, digest, self.plan.capabilities.price_per_image)
        log.debug("wrote %s -> %s (%s)", target.name, target.output, digest[:12])
        with self._mutex:
            context.journal.wrote(target.name, entry)
            context.lock.put(target.name, entry)
            context.state.record_file(target.output, digest)

    def _fail(self, target: Target, message: str) -> None:
        with self._mutex:
            self.report.results[target.name] = TargetResult(target.name, "failed", error=message)
        self.reporter.failed(target.name, message)

    def _write_lock(self, lock: Lock, journal: Path) -> None:
        try:
            write_lock(self.cast.lock_path, lock)
        except OSError as exc:
            raise FacebuildError(
                f"cannot write {self.cast.lock_path}: {exc.strerror or exc}; what this build wrote "
                f"is kept in {journal} and recorded by the next build (make the folder writable, "
                "then build again)") from None

    def _remove_stale(self, changes: Diff, lock: Lock | None, state: DistState,
                      journal: Journal | None) -> None:
        """Targets gone from the cast: their files removed, unless edited by hand; with no
        lock and journal (a dry run), only said."""
        wanted = {target.output for target in self.plan.targets.values()}
        for change in changes.by_status("removed"):
            old = change.old
            if old is None:
                continue
            relative = old.file
            if state.edited(old):
                self.report.results[change.target] = TargetResult(change.target, "kept", [relative])
                self.reporter.kept(change.target, "no longer in the cast, but edited by hand: "
                                                  f"kept {relative}")
                continue
            self.report.results[change.target] = TargetResult(change.target, "removed", [relative])
            if lock is None or journal is None:
                self.reporter.planned(change.target, "removed", relative)
                continue
            if remove_output(self.cast, lock, state, change.target, keep_file=relative in wanted):
                self.report.removed_files.append(relative)
            journal.removed(change.target)
            self.reporter.removed(change.target, relative)

    def _remove_moved(self, changes: Diff, work: list[Target], state: DistState) -> None:
        """The old file of each target whose output path changed and that was written at
        its new path: removed if facebuild made it and nobody edited it; else kept."""
        wanted = {target.output for target in self.plan.targets.values()}
        for target in work:
            old = changes.changes[target.name].old
            result = self.report.results.get(target.name)
            if (old is None or old.file == target.output or result is None
                    or result.status not in ("generated", "derived")):
                continue
            relative = old.file
            if relative in wanted:
                continue  # another target writes there now
            if state.edited(old):
                self.reporter.kept(target.name, f"moved to {target.output}; the old file {relative} "
                                                "was edited by hand: kept")
                continue
            if remove_file(self.cast.dist_dir, state, relative, old.sha256):
                self.report.removed_files.append(relative)


@dataclass
class _Context:
    lock: Lock
    state: DistState
    journal: Journal


def lock_entry(target: Target, digest: str, price: float) -> LockEntry:
    return LockEntry(target.output, digest, target.render_key, target.output_key,
                     target.render_inputs, target.post, target.template, price,
                     target.provenance or None, target.reference)


__all__ = ["BuildReport", "Builder", "Change", "TargetResult", "build", "build_lock"]
