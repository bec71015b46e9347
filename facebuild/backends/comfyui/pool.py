"""Several ComfyUI servers: ``batch_size`` jobs in flight each, spread by free capacity
(jobs in flight, weighted by a server's speed when it clearly differs).

A server that fails (unreachable, HTTP 5xx) is out of rotation for ``cooldown`` seconds
and the job goes to another server; a server that cannot run a workflow (a checkpoint
missing there) passes the job on too. Only when no server is left does a job fail.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from facebuild.backends.comfyui.client import ComfyUIServer
from facebuild.backends.comfyui.results import ServerDown, WorkflowRejected
from facebuild.errors import BackendError

T = TypeVar("T")
_WAIT_SLICE = 0.25


class ServerPool:
    def __init__(self, servers: list[ComfyUIServer], *, batch_size: int, cooldown: float) -> None:
        self.servers = servers
        self.batch_size = batch_size
        self.cooldown = cooldown
        self.cancelled = threading.Event()
        self._cond = threading.Condition()
        self._busy = {server.url: 0 for server in servers}
        self._down_until = {server.url: 0.0 for server in servers}
        self._down_reason = {server.url: "" for server in servers}
        self._turn = 0
        self._last_used = {server.url: 0 for server in servers}
        self._given = {server.url: 0 for server in servers}
        self.warnings: list[str] = []
        """One line per time a server dropped out: which (user-info masked), why, when again."""
        self.sink: Callable[[str], None] | None = None

    def each(self, action: Callable[[ComfyUIServer], T]) -> list[T | BackendError]:
        """``action`` on every server at once; a ``BackendError`` is returned, not raised."""

        def call(server: ComfyUIServer) -> T | BackendError:
            try:
                return action(server)
            except BackendError as exc:
                return exc

        if len(self.servers) == 1:
            return [call(self.servers[0])]
        with ThreadPoolExecutor(max_workers=min(len(self.servers), 32)) as executor:
            return list(executor.map(call, self.servers))

    def mark_down(self, server: ComfyUIServer, reason: str) -> None:
        """Out of rotation for ``cooldown`` seconds, reported once per drop-out."""
        now = time.monotonic()
        with self._cond:
            already = self._down_until[server.url] > now
            self._down_until[server.url] = now + self.cooldown
            self._down_reason[server.url] = reason
            self._cond.notify_all()
            if already:
                return
            again = datetime.now().astimezone() + timedelta(seconds=self.cooldown)
            why = reason.removeprefix(f"ComfyUI server {server.name} ").removeprefix(f"{server.name} ")
            line = (f"ComfyUI server {server.name} dropped out ({why}); it is tried again in "
                    f"{self.cooldown:g} s (at {again:%H:%M:%S}) and its jobs go "
                    + ("to the other servers" if len(self.servers) > 1 else "nowhere meanwhile"))
            self.warnings.append(line)
            sink = self.sink
        if sink is not None:
            sink(line)

    def run(self, job: Callable[[ComfyUIServer], T]) -> T:
        """Run ``job`` on the server with the most free capacity, failing over on errors."""
        tried: set[str] = set()
        rejected: list[BackendError] = []
        while True:
            server = self._acquire(tried)
            if server is None:
                if rejected:
                    raise BackendError(rejected[0].message)
                raise BackendError(self._nobody_left(), retryable=True)
            try:
                return job(server)
            except ServerDown as exc:
                self.mark_down(server, exc.message)
                tried.add(server.url)
            except WorkflowRejected as exc:
                rejected.append(exc)
                tried.add(server.url)
            finally:
                self._release(server)

    def _acquire(self, tried: set[str]) -> ComfyUIServer | None:
        with self._cond:
            while True:
                if self.cancelled.is_set():
                    raise BackendError("cancelled")
                now = time.monotonic()
                usable = [s for s in self.servers if s.url not in tried and self._down_until[s.url] <= now]
                if not usable:
                    return None
                free = [s for s in usable if self._busy[s.url] < self.batch_size]
                if free:
                    known = [s.run_time for s in self.servers if s.run_time is not None]
                    typical = sum(known) / len(known) if known else None
                    server = min(free, key=lambda s: self._order(s, typical))
                    self._busy[server.url] += 1
                    self._given[server.url] += 1
                    self._turn += 1
                    self._last_used[server.url] = self._turn
                    return server
                self._cond.wait(_WAIT_SLICE)

    def _order(self, server: ComfyUIServer, typical: float | None) -> tuple[float, int, int]:
        """Least backlog first (jobs in flight, weighted by the server's speed when it
        clearly differs from the others'); then the server given fewest jobs so far, so that
        equal servers end with equal shares; then the one used least recently."""
        backlog = self._busy[server.url] * server.speed_factor(typical)
        return backlog, self._given[server.url], self._last_used[server.url]

    def _release(self, server: ComfyUIServer) -> None:
        with self._cond:
            self._busy[server.url] -= 1
            self._cond.notify()

    def _nobody_left(self) -> str:
        reasons = [reason for reason in self._down_reason.values() if reason]
        count = len(self.servers)
        if count == 1:
            return reasons[0] if reasons else f"ComfyUI server {self.servers[0].url} failed"
        return f"none of the {count} ComfyUI servers can take the job: " + "; ".join(reasons)

    def cancel(self) -> None:
        """Stop new work, then delete and interrupt what this build queued (ids taken before
        the flag is set, since waiting jobs forget their ids once they see it)."""
        ours = {server.url: server.listener.prompt_ids() for server in self.servers}
        self.cancelled.set()
        with self._cond:
            self._cond.notify_all()
        self.each(lambda server: server.cancel(ours[server.url]))

    def close(self) -> None:
        self.each(lambda server: server.close())
