"""One websocket per server: ComfyUI's execution messages, routed to the jobs waiting on them.

ComfyUI sends a prompt's messages only to the socket whose ``clientId`` was sent with the
prompt, so each server gets one listener with one client id. The socket is a speed-up, not
a necessity: when it drops, jobs poll ``/history`` and ``/queue`` until it is back.

A server's messages are untrusted: a websocket frame says its own length, and
websocket-client reads a whole frame before returning it, so a message past
``max_message_bytes`` is cut short by counting what is read (``_CappedWebSocket``) and the
socket is dropped, as a network failure would drop it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import websocket

from facebuild.backends.base import ProgressCallback

_RECV_TIMEOUT = 0.5
_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_MAX_BACKOFF = 2.0
_REMEMBERED_ENDS = 256


@dataclass
class JobState:
    """What the websocket told us about one prompt; flags are set before ``wake``."""

    prompt_id: str
    progress: ProgressCallback | None = None
    wake: threading.Event = field(default_factory=threading.Event)
    started: float | None = None
    """``time.monotonic()`` when the prompt was first seen running."""
    ended: bool = False
    """``executing`` with ``node: null`` arrived: the history entry is (about to be) written."""

    def mark_started(self) -> None:
        if self.started is None:
            self.started = time.monotonic()


class MessageTooLarge(websocket.WebSocketException):
    """A websocket message longer than the listener takes: the rest is not read."""


class _CappedWebSocket(websocket.WebSocket):
    """A websocket that stops reading a message past ``max_message_bytes`` (passed to
    ``websocket.create_connection`` as its ``class_``): every read of the socket goes
    through ``_recv``, and ``recv`` returns one message at a time."""

    max_message_bytes = _MAX_MESSAGE_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading = 0
        """Bytes read since the last message was returned."""

    def _recv(self, bufsize: int) -> bytes:
        data: bytes = super()._recv(bufsize)  # type: ignore[no-untyped-call]
        self.reading += len(data)
        if self.reading > self.max_message_bytes:
            raise MessageTooLarge(f"a websocket message over {self.max_message_bytes} bytes")
        return data

    def recv(self) -> str | bytes:
        message = super().recv()
        self.reading = 0
        return message


class EventListener:
    """Reads ``/ws?clientId=…`` in a thread, reconnecting with backoff until closed."""

    def __init__(self, ws_url: str, client_id: str, *, connect_timeout: float = 5.0,
                 max_message_bytes: int = _MAX_MESSAGE_BYTES) -> None:
        self.url = f"{ws_url}?clientId={client_id}"
        self.max_message_bytes = max_message_bytes
        self.oversized = 0
        """Messages cut short for their length (each dropped the socket)."""
        self.connected = threading.Event()
        self.attempted = threading.Event()
        """Set once the first connection attempt has succeeded or failed."""
        self._connect_timeout = connect_timeout
        self._jobs: dict[str, JobState] = {}
        self._ended_unknown: OrderedDict[str, bool] = OrderedDict()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ws: websocket.WebSocket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="comfyui-ws", daemon=True)
                self._thread.start()

    def register(self, prompt_id: str, progress: ProgressCallback | None) -> JobState:
        state = JobState(prompt_id, progress)
        with self._lock:
            self._jobs[prompt_id] = state
        return state

    def rename(self, state: JobState, prompt_id: str) -> None:
        """Follow ``state`` under the id the server chose instead of ours (a prompt that
        ran before its id was known may have ended already)."""
        with self._lock:
            self._jobs.pop(state.prompt_id, None)
            state.prompt_id = prompt_id
            self._jobs[prompt_id] = state
            ended = self._ended_unknown.pop(prompt_id, False)
        if ended:
            state.mark_started()
            state.ended = True
            state.wake.set()

    def _remember_end(self, prompt_id: str) -> None:
        """An end for an id no job follows (yet): kept a while, for ``rename``."""
        self._ended_unknown[prompt_id] = True
        while len(self._ended_unknown) > _REMEMBERED_ENDS:
            self._ended_unknown.popitem(last=False)

    def unregister(self, prompt_id: str) -> None:
        with self._lock:
            self._jobs.pop(prompt_id, None)

    def prompt_ids(self) -> list[str]:
        with self._lock:
            return list(self._jobs)

    def wake_all(self) -> None:
        with self._lock:
            states = list(self._jobs.values())
        for state in states:
            state.wake.set()

    def close(self) -> None:
        self._stop.set()
        self.drop()
        if self._thread is not None:
            self._thread.join()

    def drop(self) -> None:
        """Close the current socket (as a network failure would); the thread reconnects."""
        ws = self._ws
        if ws is not None and ws.sock is not None:
            try:
                ws.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _run(self) -> None:
        backoff = 0.05
        while not self._stop.is_set():
            try:
                ws = websocket.create_connection(
                    self.url, timeout=self._connect_timeout, suppress_origin=True,
                    class_=_CappedWebSocket,
                )
                assert isinstance(ws, _CappedWebSocket)
                ws.max_message_bytes = self.max_message_bytes
            except (OSError, websocket.WebSocketException):
                self.attempted.set()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue
            backoff = 0.05
            self._ws = ws
            self.connected.set()
            self.attempted.set()
            self.wake_all()
            try:
                self._read(ws)
            finally:
                self.connected.clear()
                self._ws = None
                try:
                    ws.close(timeout=0.1)
                except (OSError, websocket.WebSocketException):
                    pass
                if ws.sock is not None:  # close() skips a socket the server already closed
                    ws.sock.close()
                self.wake_all()

    def _read(self, ws: websocket.WebSocket) -> None:
        ws.settimeout(_RECV_TIMEOUT)
        while not self._stop.is_set():
            try:
                frame = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except MessageTooLarge:
                self.oversized += 1
                return
            except (OSError, websocket.WebSocketException):
                return
            if isinstance(frame, str) and frame:
                try:
                    message = json.loads(frame)
                except ValueError:
                    continue
                if isinstance(message, dict):
                    self._dispatch(message)
            elif not frame:
                return

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        data = message.get("data")
        if not isinstance(data, dict):
            return
        prompt_id = str(data.get("prompt_id"))
        with self._lock:
            state = self._jobs.get(prompt_id)
            if state is None:
                if kind == "executing" and data.get("node") is None:
                    self._remember_end(prompt_id)
                return
        if kind in ("execution_start", "execution_cached", "progress"):
            state.mark_started()
        if kind == "progress" and state.progress is not None:
            try:
                state.progress(int(data.get("value", 0)), int(data.get("max", 0)))
            except Exception:  # noqa: BLE001 - a reporter bug must not kill the listener
                pass
        elif kind == "executing":
            if data.get("node") is None:
                state.ended = True
                state.wake.set()
            else:
                state.mark_started()
        elif kind in ("execution_error", "execution_interrupted"):
            state.wake.set()
