"""One ComfyUI server: queue a prompt, follow it, download its image, cancel our own work.

``ServerDown`` means the server, not the job, failed (unreachable, HTTP 5xx): the pool
sends the job elsewhere. Every other failure is a ``BackendError`` for the job.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from facebuild.backends.base import ProgressCallback
from facebuild.backends.comfyui.events import EventListener, JobState
from facebuild.backends.comfyui.objectinfo import ObjectInfo, unreachable_message, validate_graph
from facebuild.backends.comfyui.options import Timing
from facebuild.backends.comfyui.results import (
    ServerDown,
    WorkflowRejected,
    describe_node_errors,
    describe_prompt_error,
    result_image,
)
from facebuild.errors import BackendError

VANISHED = "vanished"
_SHORT = 5.0


class ComfyUIServer:
    def __init__(self, url: str, *, client_id: str, batch_size: int, timing: Timing) -> None:
        self.url = url.rstrip("/")
        self.client_id = client_id
        self.batch_size = batch_size
        self.timing = timing
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=batch_size + 4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # proxies and .netrc from the environment, looked up once instead of per request
        self.session.proxies.update(requests.utils.get_environ_proxies(self.url))
        self.session.auth = requests.utils.get_netrc_auth(self.url)
        self.session.trust_env = False
        ws_url = "ws" + self.url.removeprefix("http") + "/ws"
        self.listener = EventListener(ws_url, client_id)
        self.object_info: ObjectInfo | None = None
        self._lock = threading.Lock()
        self.run_time: float | None = None
        """Recent seconds per job once running (a moving average), to estimate backlogs."""

    def __repr__(self) -> str:
        return f"ComfyUIServer({self.url!r})"

    # -- HTTP ---------------------------------------------------------------------------

    def request(self, method: str, path: str, *, timeout: float = 30.0, **kw: Any) -> Any:
        """The JSON answer (or ``None`` for an empty body); ``ServerDown`` on failure."""
        response = self._send(method, path, timeout=timeout, **kw)
        if response.status_code != 200:
            raise ServerDown(
                f"ComfyUI server {self.url} answered {method} {path} with HTTP {response.status_code}"
            )
        return response.json() if response.content else None

    def _send(self, method: str, path: str, *, timeout: float, **kw: Any) -> requests.Response:
        try:
            response = self.session.request(method, self.url + path, timeout=timeout, **kw)
        except requests.RequestException as exc:
            raise ServerDown(unreachable_message(self.url, exc)) from exc
        if response.status_code >= 500:
            raise ServerDown(
                f"ComfyUI server {self.url} failed: HTTP {response.status_code} on {method} {path}"
            )
        return response

    def ensure_ready(self) -> ObjectInfo:
        """Fetch ``/object_info`` once and start following the websocket (waiting a moment
        for it, so that the first job's messages are not missed)."""
        with self._lock:
            if self.object_info is None:
                self.listener.start()
                info = self.request("GET", "/object_info", timeout=60.0)
                if not isinstance(info, dict):
                    raise ServerDown(f"{self.url} did not answer /object_info like ComfyUI")
                self.listener.connected.wait(2.0)
                self.object_info = info
            return self.object_info

    def validate(self, graph: Mapping[str, Any], workflow: str) -> None:
        problems = validate_graph(graph, self.ensure_ready(), self.url)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise WorkflowRejected(f"workflow {workflow}: {problems[0]}{more}")

    # -- one job ------------------------------------------------------------------------

    def run(
        self,
        make_graph: Callable[[], dict[str, Any]],
        output_node: str,
        progress: ProgressCallback | None,
        cancelled: threading.Event,
    ) -> bytes:
        """Queue, follow and download one job; resubmit once if the prompt vanished."""
        for _attempt in range(2):
            prompt_id = str(uuid.uuid4())
            state = self.listener.register(prompt_id, progress)
            try:
                self._submit(make_graph(), prompt_id, cancelled)
                entry = self._wait(state, cancelled)
                self._learn(state)
            finally:
                self.listener.unregister(prompt_id)
            if entry is not VANISHED:
                assert isinstance(entry, dict)
                return self._download(result_image(entry, output_node, self.url, cancelled))
        raise BackendError(
            f"prompt removed from the queue of {self.url} twice without running (deleted by someone else?)",
            retryable=True,
        )

    def _learn(self, state: JobState) -> None:
        if state.started is not None:
            took = time.monotonic() - state.started
            self.run_time = took if self.run_time is None else 0.8 * self.run_time + 0.2 * took

    def speed_factor(self, typical: float | None) -> float:
        """This server's job time relative to the pool's typical one: 1.0 unless it is
        clearly slower or faster (by more than a third), so that the noise of a busy client's
        measurements does not unbalance a pool of equal servers."""
        if self.run_time is None or not typical:
            return 1.0
        ratio = self.run_time / typical
        return ratio if abs(ratio - 1.0) > 1 / 3 else 1.0

    def _submit(self, graph: dict[str, Any], prompt_id: str, cancelled: threading.Event) -> None:
        body = {"prompt": graph, "client_id": self.client_id, "prompt_id": prompt_id}
        response = self._send("POST", "/prompt", json=body, timeout=30.0)
        if response.status_code == 400:
            raise BackendError(describe_prompt_error(response, self.url))
        if response.status_code != 200:
            raise ServerDown(f"{self.url} answered POST /prompt with HTTP {response.status_code}")
        answer = response.json()
        if answer.get("prompt_id") != prompt_id:
            raise BackendError(f"{self.url} renamed prompt {prompt_id}; is it ComfyUI?")
        if answer.get("node_errors"):
            self.forget([prompt_id])
            raise BackendError(
                f"{self.url} rejected part of the workflow: " + describe_node_errors(answer["node_errors"])
            )
        if cancelled.is_set():
            self.forget([prompt_id])
            raise BackendError("cancelled")

    def _wait(self, state: JobState, cancelled: threading.Event) -> dict[str, Any] | str:
        submitted = time.monotonic()
        up = self.listener.connected.is_set()
        next_poll = submitted + self.timing.poll_interval * (5 if up else 1)
        saw_end = False
        while True:
            state.wake.clear()
            if cancelled.is_set():
                raise BackendError("cancelled")
            now = time.monotonic()
            self._check_deadline(state, submitted, now)
            up = self.listener.connected.is_set()
            interval = self.timing.poll_interval * (5 if up else 1)
            if state.ended and not saw_end:
                saw_end, next_poll = True, now
            if now >= next_poll:
                entry = self._poll(state)
                if entry is not None:
                    return entry
                next_poll = now + (self.timing.poll_interval if saw_end else interval)
            state.wake.wait(max(0.0, min(next_poll - now, interval)))

    def _poll(self, state: JobState) -> dict[str, Any] | str | None:
        """The history entry, ``VANISHED``, or ``None`` while queued or running."""
        if state.ended:
            entry = self._history(state.prompt_id)
            if entry is not None:
                return entry
        queue = self.request("GET", "/queue")  # before /history: a prompt may end in between
        entry = self._history(state.prompt_id)
        if entry is not None:
            return entry
        running = {item[1] for item in queue.get("queue_running", [])}
        pending = {item[1] for item in queue.get("queue_pending", [])}
        if state.prompt_id in running:
            state.mark_started()
        elif state.prompt_id not in pending:
            return VANISHED
        return None

    def _history(self, prompt_id: str) -> dict[str, Any] | None:
        history = self.request("GET", f"/history/{prompt_id}")
        entry = history.get(prompt_id) if isinstance(history, dict) else None
        return entry if isinstance(entry, dict) else None

    def _check_deadline(self, state: JobState, submitted: float, now: float) -> None:
        timeout = self.timing.timeout
        if state.started is not None and now - state.started > timeout:
            what = f"ran for more than {timeout:g} s"
        elif state.started is None and now - submitted > timeout * self.batch_size:
            what = f"waited in the queue for more than {timeout * self.batch_size:g} s"
        else:
            return
        self.forget([state.prompt_id])
        raise BackendError(f"prompt {state.prompt_id} on {self.url} {what}; removed it", retryable=True)

    def _download(self, image: Mapping[str, Any]) -> bytes:
        params = {key: image.get(key, "") for key in ("filename", "subfolder", "type")}
        response = self._send("GET", "/view", params=params, timeout=60.0)
        if response.status_code != 200 or not response.content:
            raise BackendError(
                f"{self.url} has no file {params['filename']!r} to download (HTTP {response.status_code})",
                retryable=True,
            )
        return response.content

    # -- cancelling ---------------------------------------------------------------------

    def forget(self, prompt_ids: list[str]) -> None:
        """Delete these prompts (ours) from the queue, and interrupt the one running, if any."""
        if not prompt_ids:
            return
        try:
            self._send("POST", "/queue", json={"delete": prompt_ids}, timeout=_SHORT)
            queue = self.request("GET", "/queue", timeout=_SHORT)
            running = [item[1] for item in queue.get("queue_running", [])]
            for prompt_id in running:
                if prompt_id in prompt_ids:
                    self._send("POST", "/interrupt", json={"prompt_id": prompt_id}, timeout=_SHORT)
        except BackendError:
            pass

    def cancel(self, prompt_ids: list[str]) -> None:
        """Delete this build's pending prompts and interrupt its running one; wake waiters."""
        self.forget(prompt_ids)
        self.listener.wake_all()

    def close(self) -> None:
        self.listener.close()
        self.session.close()
