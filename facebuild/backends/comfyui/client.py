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
from facebuild.backends.comfyui.answers import (
    Answer,
    MalformedAnswer,
    expect_mapping,
    history_entry,
    parse_json,
    queue_ids,
    read_capped,
    whole_png,
)
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
from facebuild.urls import mask_url

VANISHED = "vanished"
_SHORT = 5.0
_FIRST_POLL = 0.05
"""Seconds before the first status check without a websocket; doubled up to ``poll_interval``."""
_WS_GRACE = 2.0
"""Seconds the first connection attempt of the websocket may take before jobs start."""


def _plain_name(value: Any) -> bool:
    """A file or folder name as a server may give it back: short, printable, no path."""
    return (isinstance(value, str) and 0 < len(value) <= 255 and value.isprintable()
            and "/" not in value and "\\" not in value and value not in (".", ".."))


class GraphRejected(BackendError):
    """HTTP 400 (or 200 with ``node_errors``) for a graph: every job of the same workflow
    would be refused the same way."""


class ComfyUIServer:
    def __init__(self, url: str, *, client_id: str, batch_size: int, timing: Timing,
                 max_answer_bytes: int = 64 * 1024 * 1024) -> None:
        self.url = url.rstrip("/")
        self.name = mask_url(self.url)
        """The URL for messages: user-info masked."""
        self.max_answer_bytes = max_answer_bytes
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
        self.listener = EventListener(ws_url, client_id, max_message_bytes=max_answer_bytes)
        self.object_info: ObjectInfo | None = None
        self._lock = threading.Lock()
        self.run_time: float | None = None
        """Recent seconds per job once running (a moving average), to estimate backlogs."""
        self._uploaded: dict[str, str] = {}
        """File name we uploaded -> the name the server gave it (``LoadImage``'s value)."""

    def __repr__(self) -> str:
        return f"ComfyUIServer({self.name!r})"

    # -- HTTP ---------------------------------------------------------------------------

    def request(self, method: str, path: str, *, timeout: float = 30.0, **kw: Any) -> Any:
        """The JSON answer (or ``None`` for an empty body); ``ServerDown`` on failure."""
        answer = self._send(method, path, timeout=timeout, **kw)
        if answer.status != 200:
            raise ServerDown(
                f"ComfyUI server {self.name} answered {method} {path} with HTTP {answer.status}"
            )
        return parse_json(answer.body, f"{self.name} {method} {path}")

    def _send(self, method: str, path: str, *, timeout: float, **kw: Any) -> Answer:
        """Status and body (at most ``max_answer_bytes``, read as it streams)."""
        where = f"{self.name} {method} {path.partition('?')[0]}"
        try:
            with self.session.request(method, self.url + path, timeout=timeout, stream=True,
                                      **kw) as response:
                if response.status_code >= 500:
                    raise ServerDown(
                        f"ComfyUI server {self.name} failed: HTTP {response.status_code} on {method} {path}"
                    )
                return Answer(response.status_code, read_capped(response, self.max_answer_bytes, where))
        except requests.RequestException as exc:
            raise ServerDown(unreachable_message(self.name, exc)) from exc

    def ensure_ready(self) -> ObjectInfo:
        """Fetch ``/object_info`` once and start following the websocket (waiting for its
        first connection attempt, so that the first job's messages are not missed; a server
        without a websocket costs no wait)."""
        with self._lock:
            if self.object_info is None:
                self.listener.start()
                where = f"{self.name} GET /object_info"
                info = expect_mapping(self.request("GET", "/object_info", timeout=60.0), where)
                self.listener.attempted.wait(_WS_GRACE)
                self.object_info = info
            return self.object_info

    def validate(self, graph: Mapping[str, Any], workflow: str) -> None:
        with self._lock:
            uploaded = frozenset(self._uploaded.values())
        problems = validate_graph(graph, self.ensure_ready(), self.name, uploaded)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise WorkflowRejected(f"workflow {workflow}: {problems[0]}{more}")

    def upload(self, data: bytes, name: str) -> str:
        """Put a reference image into the server's input folder (``POST /upload/image``,
        multipart) under a content-addressed ``name``, once per server: a repeated upload of
        the same bytes is harmless anyway. Returns the value for a ``LoadImage`` node."""
        with self._lock:
            known = self._uploaded.get(name)
        if known is not None:
            return known
        answer = self._send("POST", "/upload/image", timeout=60.0,
                            files={"image": (name, data, "application/octet-stream")},
                            data={"type": "input"})
        where = f"{self.name} POST /upload/image"
        if answer.status != 200:
            raise BackendError(f"{self.name} refused the reference image upload (HTTP {answer.status})")
        reply = expect_mapping(parse_json(answer.body, where), where)
        given, folder = reply.get("name"), reply.get("subfolder") or ""
        if not _plain_name(given) or not (folder == "" or _plain_name(folder)):
            raise MalformedAnswer(f"{where} answered without a usable file name")
        value = f"{folder}/{given}" if folder else str(given)
        with self._lock:
            self._uploaded[name] = value
        return value

    # -- one job ------------------------------------------------------------------------

    def run(
        self,
        make_graph: Callable[[], dict[str, Any]],
        output_node: str,
        progress: ProgressCallback | None,
        cancelled: threading.Event,
        accepted: Callable[[], None] | None = None,
    ) -> bytes:
        """Queue, follow and download one job; resubmit once if the prompt vanished.
        ``accepted`` is called once the server has taken the graph (HTTP 200)."""
        for _attempt in range(2):
            state = self.listener.register(str(uuid.uuid4()), progress)
            try:
                self._submit(make_graph(), state, cancelled)
                if accepted is not None:
                    accepted()
                entry = self._wait(state, cancelled)
                self._learn(state)
            finally:
                self.listener.unregister(state.prompt_id)
            if entry is not VANISHED:
                assert isinstance(entry, dict)
                return self._download(result_image(entry, output_node, self.name, cancelled))
        raise BackendError(
            f"prompt removed from the queue of {self.name} twice without running (deleted by someone else?)",
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

    def _submit(self, graph: dict[str, Any], state: JobState, cancelled: threading.Event) -> None:
        """POST the graph with our own prompt id; a server from before mid-2025 ignores it
        and answers with one of its own, which the job then follows."""
        body = {"prompt": graph, "client_id": self.client_id, "prompt_id": state.prompt_id}
        response = self._send("POST", "/prompt", json=body, timeout=30.0)
        if response.status == 400:
            raise GraphRejected(describe_prompt_error(response.body, self.name))
        if response.status != 200:
            raise ServerDown(f"{self.name} answered POST /prompt with HTTP {response.status}")
        where = f"{self.name} POST /prompt"
        answer = expect_mapping(parse_json(response.body, where), where)
        given = answer.get("prompt_id")
        if not isinstance(given, str) or not given or len(given) > 200:
            raise MalformedAnswer(f"{where}: the answer has no prompt id; is it a ComfyUI server?")
        if given != state.prompt_id:
            self.listener.rename(state, given)
        if answer.get("node_errors"):  # only some outputs would run: refused like a 400
            self.forget([given])
            raise GraphRejected(
                f"{self.name} rejected part of the workflow: "
                + describe_node_errors(expect_mapping(answer["node_errors"], where))
            )
        if cancelled.is_set():
            self.forget([given])
            raise BackendError("cancelled")

    def _wait(self, state: JobState, cancelled: threading.Event) -> dict[str, Any] | str:
        """Follow a prompt to its history entry. With the websocket up, its messages wake
        us and a status check runs every ``5 × poll_interval`` as a safety net; without it,
        the first check runs at once and the next ones back off up to ``poll_interval``."""
        submitted = time.monotonic()
        backoff = _FIRST_POLL
        next_poll = submitted + (self.timing.poll_interval * 5 if self._ws_up() else _FIRST_POLL)
        saw_end = False
        while True:
            state.wake.clear()
            if cancelled.is_set():
                raise BackendError("cancelled")
            now = time.monotonic()
            self._check_deadline(state, submitted, now)
            up = self._ws_up()
            if state.ended and not saw_end:
                saw_end, next_poll = True, now
            if not up:
                next_poll = min(next_poll, now + backoff)
            if now >= next_poll:
                entry = self._poll(state)
                if entry is not None:
                    return entry
                if up and not saw_end:
                    next_poll = now + self.timing.poll_interval * 5
                else:
                    backoff = min(backoff * 2, self.timing.poll_interval)
                    next_poll = now + backoff
            state.wake.wait(max(0.0, next_poll - now))

    def _ws_up(self) -> bool:
        return self.listener.connected.is_set()

    def _poll(self, state: JobState) -> dict[str, Any] | str | None:
        """The history entry, ``VANISHED``, or ``None`` while queued or running."""
        if state.ended:
            entry = self._history(state.prompt_id)
            if entry is not None:
                return entry
        queue = self._queue()  # before /history: a prompt may end in between
        entry = self._history(state.prompt_id)
        if entry is not None:
            return entry
        if state.prompt_id in queue["queue_running"]:
            state.mark_started()
        elif state.prompt_id not in queue["queue_pending"]:
            return VANISHED
        return None

    def _queue(self, timeout: float = 30.0) -> dict[str, set[str]]:
        return queue_ids(self.request("GET", "/queue", timeout=timeout), f"{self.name} GET /queue")

    def _history(self, prompt_id: str) -> dict[str, Any] | None:
        answer = self.request("GET", f"/history/{prompt_id}")
        return history_entry(answer, prompt_id, f"{self.name} GET /history")

    def _check_deadline(self, state: JobState, submitted: float, now: float) -> None:
        timeout = self.timing.timeout
        if state.started is not None and now - state.started > timeout:
            what = f"ran for more than {timeout:g} s"
        elif state.started is None and now - submitted > timeout * self.batch_size:
            what = f"waited in the queue for more than {timeout * self.batch_size:g} s"
        else:
            return
        self.forget([state.prompt_id])
        raise BackendError(f"prompt {state.prompt_id} on {self.name} {what}; removed it", retryable=True)

    def _download(self, image: Mapping[str, Any]) -> bytes:
        params = {key: str(image.get(key, "")) for key in ("filename", "subfolder", "type")}
        response = self._send("GET", "/view", params=params, timeout=60.0)
        if response.status != 200 or not response.body:
            raise BackendError(
                f"{self.name} has no file {params['filename'][:100]!r} to download (HTTP {response.status})",
                retryable=True,
            )
        return whole_png(response.body, f"{self.name} GET /view")

    # -- cancelling ---------------------------------------------------------------------

    def forget(self, prompt_ids: list[str]) -> None:
        """Delete these prompts (ours) from the queue, and interrupt the one running, if any."""
        if not prompt_ids:
            return
        try:
            self._send("POST", "/queue", json={"delete": prompt_ids}, timeout=_SHORT)
            running = self._queue(timeout=_SHORT)["queue_running"]
            for prompt_id in sorted(running):
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
