"""A fake ComfyUI server: real HTTP and websocket on loopback, no GPU, no model.

It follows ``shared/facts/comfyui.md``: POST /prompt validates against its /object_info
(400 bodies, or 200 with ``node_errors`` when only some outputs are valid), runs prompts
one at a time, sends the websocket messages of a real run (``execution_start``,
``executing``, ``progress`` per sampler step, ``executed``, ``executing`` null), answers
an identical graph as cached with the old file, lets deleted prompts vanish, honours
``/interrupt`` with or without a prompt id, and serves ``/view``. The "render" is a real
PNG at the injected width and height whose pixels depend on the prompt text and the seed.

Knobs for tests: ``job_time`` (seconds per prompt), ``vanish_next`` (accept the next N
prompts but drop them, as if another user deleted them), ``error_text`` (a prompt
containing it fails with ``execution_error``), ``broken`` (every request gets HTTP 500),
``ws_enabled`` (refuse websocket connections), ``drop_websockets()``, and
``progress_every`` (thin out progress messages when a whole job is squeezed into a fraction
of a second, as a real sampler takes seconds per handful of steps).

Older and misbehaving servers: ``old_server`` (a ComfyUI from before mid-2025: a client's
``prompt_id`` is ignored and the server answers with its own), ``drop_after`` (after that
many finished prompts the server drops out: every request gets HTTP 500), ``garbage``
(paths such as ``/history`` answered with 200 and a body that is not JSON), ``huge_view``
(``/view`` streams that many bytes), ``trailing`` (bytes appended to every image) and
``finish_before_answer`` (a quick prompt runs to its end before POST /prompt is answered,
as a real server's worker thread may do).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import socket
import threading
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web
from PIL import Image, ImageDraw

Item = list[Any]  # [number, prompt_id, graph, extra_data, output node ids]


class FakeComfyUI:
    def __init__(
        self,
        *,
        job_time: float = 0.0,
        checkpoints: tuple[str, ...] = ("sd_xl_base_1.0.safetensors",),
        combo_style: str = "old",
        progress_every: float = 0.0,
    ) -> None:
        self.job_time = job_time
        self.progress_every = progress_every
        """Minimum seconds between two ``progress`` messages (0: one per sampler step)."""
        self.info = object_info(list(checkpoints), combo_style)
        self.vanish_next = 0
        self.error_text: str | None = None
        self.broken = False
        self.ws_enabled = True
        self.ws_oversized = 0
        """Bytes of a binary websocket message sent first to the next client (0: none)."""
        self.old_server = False
        self.finish_before_answer = False
        self.drop_after: int | None = None
        self.garbage: set[str] = set()
        self.huge_view = 0
        self.trailing = b""
        self.view_sent = 0
        """Bytes of the last streamed ``huge_view`` answer written before the client hung up."""
        self.requests: list[tuple[str, str]] = []
        self.posts: list[dict[str, Any]] = []
        self.interrupts: list[dict[str, Any]] = []
        self.deletes: list[list[str]] = []
        self.history: dict[str, dict[str, Any]] = {}
        self.files: dict[tuple[str, str], bytes] = {}
        self.inputs: dict[tuple[str, str], bytes] = {}
        """The input folder: (subfolder, name) -> bytes, filled by POST /upload/image."""
        self.uploads: list[dict[str, Any]] = []
        """Every accepted upload: its form fields, file name, bytes and the answer."""
        self.combo_style = combo_style
        self.pending: list[Item] = []
        self.running: Item | None = None
        self.finished: list[str] = []
        self.busy = 0.0
        """Seconds spent running prompts."""
        self._number = 0
        self._counters: dict[str, int] = {}
        self._cache: dict[str, dict[str, Any]] = {}
        self._sockets: dict[str, web.WebSocketResponse] = {}
        self._interrupt = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._work: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        self._worker: asyncio.Task[None] | None = None
        self.url = ""

    # -- lifecycle (called from the test thread) ----------------------------------------

    def start(self) -> FakeComfyUI:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(5)
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def drop_websockets(self) -> None:
        """Close every websocket, as a flaky network would."""
        asyncio.run_coroutine_threadsafe(self._close_sockets(), self._loop).result(5)

    def call(self, func: Any, *args: Any) -> Any:
        """Run ``func(*args)`` on the server's loop (to change its state safely)."""

        async def run() -> Any:
            return func(*args)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(5)

    async def _start(self) -> None:
        self._work = asyncio.Event()
        app = web.Application(middlewares=[self._middleware])
        for prefix in ("", "/api"):
            app.router.add_get(prefix + "/object_info", self._object_info)
            app.router.add_get(prefix + "/object_info/{cls}", self._object_info)
            app.router.add_post(prefix + "/prompt", self._post_prompt)
            app.router.add_get(prefix + "/prompt", self._get_prompt)
            app.router.add_get(prefix + "/queue", self._get_queue)
            app.router.add_post(prefix + "/queue", self._post_queue)
            app.router.add_post(prefix + "/interrupt", self._post_interrupt)
            app.router.add_get(prefix + "/history", self._get_history)
            app.router.add_get(prefix + "/history/{id}", self._get_history)
            app.router.add_post(prefix + "/history", self._post_history)
            app.router.add_get(prefix + "/view", self._view)
            app.router.add_get(prefix + "/system_stats", self._system_stats)
            app.router.add_post(prefix + "/upload/image", self._upload_image)
        app.router.add_get("/ws", self._ws)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._site = web.SockSite(self._runner, sock)
        await self._site.start()
        self._worker = asyncio.create_task(self._run_queue())

    async def _stop(self) -> None:
        assert self._worker is not None and self._runner is not None
        self.ws_enabled = False  # clients reconnect at once: refuse them while stopping
        self._worker.cancel()
        try:
            await self._worker
        except asyncio.CancelledError:
            pass
        assert self._site is not None
        await self._site.stop()  # stop accepting first: clients reconnect at once
        for _ in range(3):
            await asyncio.sleep(0.01)
        await self._close_sockets()
        await self._runner.cleanup()
        await self._loop.shutdown_default_executor()

    async def _close_sockets(self) -> None:
        sockets = list(self._sockets.values())
        self._sockets.clear()
        for ws in sockets:
            await ws.close()

    # -- HTTP ---------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        origin = request.headers.get("Origin")
        if origin and origin.split("://", 1)[-1] != request.host:
            return web.Response(status=403)
        if self.broken:
            return web.Response(status=500, text="500 Internal Server Error")
        if any(request.path.removeprefix("/api").startswith(path) for path in self.garbage):
            return web.Response(status=200, text="<html>proxy error: " + "x" * 100 + "</html>",
                                content_type="application/json")
        response: web.StreamResponse = await handler(request)
        return response

    def current_info(self) -> dict[str, Any]:
        """/object_info now: LoadImage's choices are the files in the input folder."""
        names = sorted(f"{folder}/{name}" if folder else name for folder, name in self.inputs)
        kind, options = _combo(names, self.combo_style)
        load = _node({"image": [kind, {**options, "image_upload": True}]}, ["IMAGE", "MASK"])
        return {**self.info, "LoadImage": load}

    async def _object_info(self, request: web.Request) -> web.Response:
        cls = request.match_info.get("cls")
        info = self.current_info()
        if cls is None:
            return web.json_response(info)
        return web.json_response({cls: info[cls]} if cls in info else {})

    async def _upload_image(self, request: web.Request) -> web.Response:
        """ComfyUI's image upload: a multipart form with the file in ``image`` (and a file
        name), optional ``type``, ``subfolder`` and ``overwrite``. The same name with the same
        bytes is a duplicate, not saved again; with other bytes it becomes ``name (1).ext``."""
        if not request.content_type.startswith("multipart/"):
            return web.Response(status=400)
        form = await request.post()
        upload = form.get("image")
        if not isinstance(upload, web.FileField) or not upload.filename:
            return web.Response(status=400)
        folder = str(form.get("subfolder", "") or "")
        if folder.startswith("/") or ".." in folder.split("/"):
            return web.Response(status=400)  # a subfolder escaping the input folder
        kind = str(form.get("type", "input") or "input")
        data = upload.file.read()
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
        overwrite = str(form.get("overwrite", "")).lower() in ("true", "1")
        stem, dot, ext = name.rpartition(".")
        counter = 1
        while (folder, name) in self.inputs and not overwrite and self.inputs[(folder, name)] != data:
            name = f"{stem} ({counter}){dot}{ext}" if dot else f"{name} ({counter})"
            counter += 1
        self.inputs[(folder, name)] = data
        answer = {"name": name, "subfolder": folder, "type": kind}
        self.uploads.append({"filename": upload.filename, "fields": sorted(form), "data": data,
                             "answer": answer})
        return web.json_response(answer)

    async def _system_stats(self, request: web.Request) -> web.Response:
        return web.json_response({"system": {"comfyui_version": "0.3.64-fake"}, "devices": []})

    async def _post_prompt(self, request: web.Request) -> web.Response:
        self._number += 1
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=500, text="500 Internal Server Error\n\nServer got itself in trouble")
        self.posts.append(body)
        graph = body.get("prompt") if isinstance(body, dict) else None
        if graph is None:
            error = {
                "type": "no_prompt",
                "message": "No prompt provided",
                "details": "",
                "extra_info": {},
            }
            return web.json_response({"error": error, "node_errors": {}}, status=400)
        error, node_errors, outputs = validate_prompt(graph, self.current_info())
        if error is not None:
            return web.json_response({"error": error, "node_errors": node_errors}, status=400)
        prompt_id = str(uuid.uuid4() if self.old_server else body.get("prompt_id") or uuid.uuid4())
        extra = dict(body.get("extra_data") or {})
        if body.get("client_id"):
            extra["client_id"] = body["client_id"]
        answer = {"prompt_id": prompt_id, "number": self._number, "node_errors": node_errors}
        if self.vanish_next > 0:
            self.vanish_next -= 1
            return web.json_response(answer)
        self.pending.append([self._number, prompt_id, graph, extra, outputs])
        assert self._work is not None
        self._work.set()
        await self._broadcast("status", self._status())
        for _ in range(5000 if self.finish_before_answer else 0):
            if prompt_id in self.finished:
                break
            await asyncio.sleep(0.001)
        return web.json_response(answer)

    def _status(self) -> dict[str, Any]:
        remaining = len(self.pending) + (self.running is not None)
        return {"status": {"exec_info": {"queue_remaining": remaining}}}

    async def _get_prompt(self, request: web.Request) -> web.Response:
        return web.json_response(self._status())

    async def _get_queue(self, request: web.Request) -> web.Response:
        running = [self.running] if self.running is not None else []
        return web.json_response({"queue_running": running, "queue_pending": self.pending})

    async def _post_queue(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("clear"):
            self.pending.clear()
        if "delete" in body:
            self.deletes.append(list(body["delete"]))
            self.pending = [item for item in self.pending if item[1] not in body["delete"]]
        return web.Response()

    async def _post_interrupt(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        self.interrupts.append(body)
        wanted = body.get("prompt_id")
        if wanted is None or (self.running is not None and self.running[1] == wanted):
            self._interrupt = self.running is not None
        return web.Response()

    async def _get_history(self, request: web.Request) -> web.Response:
        prompt_id = request.match_info.get("id")
        if prompt_id is None:
            return web.json_response(self.history)
        entry = self.history.get(prompt_id)
        return web.json_response({prompt_id: entry} if entry is not None else {})

    async def _post_history(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("clear"):
            self.history.clear()
        for prompt_id in body.get("delete", []):
            self.history.pop(prompt_id, None)
        return web.Response()

    async def _view(self, request: web.Request) -> web.Response:
        filename = request.query.get("filename", "")
        subfolder = request.query.get("subfolder", "")
        kind = request.query.get("type", "output")
        if not filename:
            return web.Response(status=404)
        if ".." in filename or "/" in filename or kind not in ("output", "input", "temp"):
            return web.Response(status=400)
        if ".." in subfolder:
            return web.Response(status=403)
        data = self.files.get((subfolder, filename))
        if data is None:
            return web.Response(status=404)
        headers = {"Content-Disposition": f'filename="{filename}"'}
        if self.huge_view:
            return await self._stream(request, data, headers)
        return web.Response(body=data + self.trailing, content_type="image/png", headers=headers)

    async def _stream(self, request: web.Request, data: bytes, headers: dict[str, str]) -> web.StreamResponse:
        """``huge_view`` bytes, chunked (no Content-Length), until the client hangs up."""
        response = web.StreamResponse(headers={**headers, "Content-Type": "image/png"})
        await response.prepare(request)
        sent, chunk = 0, data + bytes(1024 * 1024)
        try:
            while sent < self.huge_view:
                await response.write(chunk)
                sent += len(chunk)
        except (ConnectionError, RuntimeError):
            self.view_sent = sent
            return response
        self.view_sent = sent
        await response.write_eof()
        return response

    # -- websocket ----------------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if not self.ws_enabled:
            return web.Response(status=503)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        sid = request.query.get("clientId") or uuid.uuid4().hex
        old = self._sockets.get(sid)
        self._sockets[sid] = ws
        if old is not None:
            await old.close()
        if self.ws_oversized:
            size, self.ws_oversized = self.ws_oversized, 0
            await ws.send_bytes(b"\0" * size)
        await ws.send_json({"type": "status", "data": {**self._status(), "sid": sid}})
        async for message in ws:
            if message.type == WSMsgType.TEXT and "feature_flags" in message.data:
                flags = {"supports_preview_metadata": True, "max_upload_size": 104857600}
                await ws.send_json({"type": "feature_flags", "data": flags})
        if self._sockets.get(sid) is ws:
            del self._sockets[sid]
        return ws

    async def _send(self, client_id: str | None, kind: str, data: dict[str, Any]) -> None:
        ws = self._sockets.get(client_id or "")
        if ws is not None and not ws.closed:
            try:
                await ws.send_json({"type": kind, "data": data})
            except ConnectionError:
                pass

    async def _broadcast(self, kind: str, data: dict[str, Any]) -> None:
        for client_id in list(self._sockets):
            await self._send(client_id, kind, data)

    # -- the one worker -----------------------------------------------------------------

    async def _run_queue(self) -> None:
        assert self._work is not None
        while True:
            while not self.pending:
                self._work.clear()
                await self._work.wait()
            self.running = self.pending.pop(0)
            self._interrupt = False
            began = time.monotonic()
            try:
                await self._execute(self.running)
            finally:
                self.busy += time.monotonic() - began
                self.finished.append(self.running[1])
                self.running = None
                if self.drop_after is not None and len(self.finished) >= self.drop_after:
                    self.broken = True

    async def _execute(self, item: Item) -> None:
        _number, prompt_id, graph, extra, outputs = item
        client = extra.get("client_id")
        stamp = {"prompt_id": prompt_id, "timestamp": int(time.time() * 1000)}
        messages: list[list[Any]] = [["execution_start", stamp]]
        await self._send(client, "execution_start", stamp)
        key = json.dumps(graph, sort_keys=True)
        cached = self._cache.get(key)
        nodes = sorted(graph) if cached is not None else []
        await self._send(client, "execution_cached", {"nodes": nodes, **stamp})
        status = "success"
        if cached is None:
            status, result = await self._compute(client, prompt_id, graph, outputs)
        else:
            result = cached
        if status == "success":
            for node_id, output in result.items():
                data = {
                    "node": node_id,
                    "display_node": node_id,
                    "output": output,
                    "prompt_id": prompt_id,
                }
                await self._send(client, "executed", data)
            self._cache[key] = result
            messages.append(["execution_success", stamp])
            await self._send(client, "execution_success", stamp)
        else:
            messages.append(result["message"])
        self.history[prompt_id] = {
            "prompt": item,
            "outputs": result if status == "success" else {},
            "status": {
                "status_str": status,
                "completed": status == "success",
                "messages": messages,
            },
            "meta": {},
        }
        await self._broadcast("status", self._status())
        await self._send(client, "executing", {"node": None, "prompt_id": prompt_id})

    async def _compute(
        self, client: str | None, prompt_id: str, graph: dict[str, Any], outputs: list[str]
    ) -> tuple[str, dict[str, Any]]:
        """Run a prompt: ``job_time`` seconds from its start, the PNG rendered meanwhile."""
        loop = asyncio.get_running_loop()
        begin = loop.time()
        picture = loop.run_in_executor(None, render, graph, dict(self.inputs))
        try:
            return await self._steps(client, prompt_id, graph, outputs, begin, picture)
        finally:
            await picture

    async def _steps(
        self,
        client: str | None,
        prompt_id: str,
        graph: dict[str, Any],
        outputs: list[str],
        begin: float,
        picture: asyncio.Future[bytes],
    ) -> tuple[str, dict[str, Any]]:
        sampler = next((n for n in sorted(graph) if "sampler_name" in graph[n]["inputs"]), "")
        steps = int(graph[sampler]["inputs"].get("steps", 1)) if sampler else 10
        last_progress = -1e9
        for node_id in sorted(graph):
            executing = {"node": node_id, "display_node": node_id, "prompt_id": prompt_id}
            await self._send(client, "executing", executing)
            if node_id != sampler and (sampler or node_id != max(graph)):
                continue
            for step in range(1, steps + 1):  # the sampler, or the last node, takes the time
                due = begin + self.job_time * step / steps  # no drift from late wake-ups
                await asyncio.sleep(max(0.0, due - asyncio.get_running_loop().time()))
                if self._interrupt:
                    data = {
                        "prompt_id": prompt_id,
                        "node_id": node_id,
                        "executed": [],
                        "node_type": graph[node_id]["class_type"],
                    }
                    await self._broadcast("execution_interrupted", data)
                    return "error", {"message": ["execution_interrupted", data]}
                progress = {"value": step, "max": steps, "prompt_id": prompt_id, "node": node_id}
                now = asyncio.get_running_loop().time()
                if sampler and (step == steps or now - last_progress >= self.progress_every):
                    last_progress = now
                    await self._send(client, "progress", progress)
        texts = [n["inputs"]["text"] for n in graph.values() if "text" in n["inputs"]]
        if self.error_text and any(self.error_text in str(text) for text in texts):
            data = {
                "prompt_id": prompt_id,
                "node_id": sampler or "1",
                "node_type": "KSampler",
                "executed": [],
                "exception_message": "Sizes of tensors must match\n",
                "exception_type": "RuntimeError",
                "traceback": [],
            }
            await self._send(client, "execution_error", data)
            return "error", {"message": ["execution_error", data]}
        result: dict[str, Any] = {}
        for node_id in outputs:
            png = await picture
            prefix = str(graph[node_id]["inputs"].get("filename_prefix", "ComfyUI"))
            subfolder, _, base = prefix.rpartition("/")
            count = self._counters[prefix] = self._counters.get(prefix, 0) + 1
            filename = f"{base}_{count:05d}_.png"
            self.files[(subfolder, filename)] = png
            image = {"filename": filename, "subfolder": subfolder, "type": "output"}
            result[node_id] = {"images": [image]}
        return "success", result


def render(graph: dict[str, Any], inputs: dict[tuple[str, str], bytes] | None = None) -> bytes:
    """A PNG at the graph's width × height whose pixels depend on its prompt and seed, and
    on the bytes of the image a LoadImage node loads."""
    width = height = 512
    seed, text, loaded = 0, "", ""
    for node in graph.values():
        if node["class_type"] == "LoadImage":
            folder, _, name = str(node["inputs"]["image"]).rpartition("/")
            loaded += hashlib.sha256((inputs or {})[(folder, name)]).hexdigest()
    for node_id in sorted(graph):
        inputs = graph[node_id]["inputs"]
        if isinstance(inputs.get("width"), int) and isinstance(inputs.get("height"), int):
            width, height = inputs["width"], inputs["height"]
        for name in ("seed", "noise_seed"):
            if isinstance(inputs.get(name), int):
                seed = inputs[name]
        positive = inputs.get("positive")
        if isinstance(positive, list) and positive[0] in graph:
            text = str(graph[positive[0]]["inputs"].get("text", ""))
    digest = hashlib.sha256(f"{text}\0{seed}{loaded}".encode()).digest()
    image = Image.new("RGB", (width, height), tuple(digest[:3]))
    draw = ImageDraw.Draw(image)
    for i in range(3, 27, 6):
        x, y = digest[i] * width // 256, digest[i + 1] * height // 256
        box = (x, y, x + digest[i + 2] * width // 512, y + digest[i + 3] * height // 512)
        draw.rectangle(box, fill=tuple(digest[i + 3 : i + 6]))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


# -- /object_info and the validation of POST /prompt ---------------------------------------

OUTPUT_CLASSES = ("SaveImage", "PreviewImage")
SAMPLERS = ["euler", "euler_ancestral", "heun", "dpmpp_2m", "dpmpp_2m_sde", "ddim", "uni_pc"]
SCHEDULERS = ["simple", "sgm_uniform", "karras", "exponential", "normal", "beta"]
SEED = [
    "INT",
    {"default": 0, "min": 0, "max": 18446744073709551615, "control_after_generate": True},
]


def _combo(choices: list[str], style: str) -> list[Any]:
    if style == "v3":
        return ["COMBO", {"multiselect": False, "options": choices}]
    return [choices, {"tooltip": "a choice"}]


def _node(required: dict[str, Any], output: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "input": {"required": required},
        "input_order": {"required": list(required)},
        "output": output,
        "output_is_list": [False] * len(output),
        "output_name": output,
        "output_node": False,
        "category": "fake",
        "description": "",
        **extra,
    }


def object_info(checkpoints: list[str], style: str) -> dict[str, Any]:
    """The node classes the tests use, in ComfyUI's /object_info shape; ``style`` "v3" gives
    the new ``["COMBO", {"options": [...]}]`` choice lists, "old" the ``[[...], {}]`` ones."""
    size = ["INT", {"default": 512, "min": 16, "max": 16384, "step": 8}]
    image_size = ["INT", {"default": 512, "min": 1, "max": 16384, "step": 1}]
    sampler = {
        "model": ["MODEL"],
        "seed": SEED,
        "steps": ["INT", {"default": 20, "min": 1, "max": 10000}],
        "cfg": ["FLOAT", {"default": 8.0, "min": 0.0, "max": 100.0}],
        "sampler_name": _combo(SAMPLERS, style),
        "scheduler": _combo(SCHEDULERS, style),
        "positive": ["CONDITIONING"],
        "negative": ["CONDITIONING"],
        "latent_image": ["LATENT"],
        "denoise": ["FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0}],
    }
    advanced = {k: v for k, v in sampler.items() if k not in ("seed", "denoise")}
    advanced.update(
        {
            "add_noise": _combo(["enable", "disable"], style),
            "noise_seed": SEED,
            "start_at_step": ["INT", {"default": 0, "min": 0, "max": 10000}],
            "end_at_step": ["INT", {"default": 10000, "min": 0, "max": 10000}],
            "return_with_leftover_noise": _combo(["disable", "enable"], style),
        }
    )
    save = {"images": ["IMAGE"], "filename_prefix": ["STRING", {"default": "ComfyUI"}]}
    return {
        "KSampler": _node(sampler, ["LATENT"]),
        "KSamplerAdvanced": _node(advanced, ["LATENT"]),
        "CheckpointLoaderSimple": _node({"ckpt_name": _combo(checkpoints, style)}, ["MODEL", "CLIP", "VAE"]),
        "EmptyLatentImage": _node(
            {
                "width": size,
                "height": size,
                "batch_size": ["INT", {"default": 1, "min": 1, "max": 4096}],
            },
            ["LATENT"],
        ),
        "CLIPTextEncode": _node(
            {"text": ["STRING", {"multiline": True}], "clip": ["CLIP"]}, ["CONDITIONING"]
        ),
        "VAEDecode": _node({"samples": ["LATENT"], "vae": ["VAE"]}, ["IMAGE"]),
        "EmptyImage": _node(
            {
                "width": image_size,
                "height": image_size,
                "batch_size": ["INT", {"default": 1, "min": 1, "max": 4096}],
                "color": ["INT", {"default": 0, "min": 0, "max": 16777215}],
            },
            ["IMAGE"],
        ),
        "ImageBlend": _node(
            {
                "image1": ["IMAGE"],
                "image2": ["IMAGE"],
                "blend_factor": ["FLOAT", {"default": 0.5, "min": 0.0, "max": 1.0}],
                "blend_mode": [
                    "COMBO",
                    {"multiselect": False, "options": ["normal", "multiply", "screen", "overlay"]},
                ],
            },
            ["IMAGE"],
        ),
        "VAEEncode": _node({"pixels": ["IMAGE"], "vae": ["VAE"]}, ["LATENT"]),
        "ImageScale": _node(
            {
                "image": ["IMAGE"],
                "upscale_method": _combo(["nearest-exact", "bilinear", "area", "bicubic", "lanczos"], style),
                "width": ["INT", {"default": 512, "min": 0, "max": 16384, "step": 1}],
                "height": ["INT", {"default": 512, "min": 0, "max": 16384, "step": 1}],
                "crop": _combo(["disabled", "center"], style),
            },
            ["IMAGE"],
        ),
        "SaveImage": _node(save, [], output_node=True),
        "PreviewImage": _node({"images": ["IMAGE"]}, [], output_node=True),
    }


def _input_errors(
    node: dict[str, Any], spec: dict[str, Any], graph: dict[str, Any], info: dict[str, Any]
) -> list[Any]:
    errors: list[dict[str, Any]] = []
    inputs = node.get("inputs", {})
    for name, config in spec["input"]["required"].items():
        value = inputs.get(name)
        if name not in inputs:
            errors.append(
                {
                    "type": "required_input_missing",
                    "message": "Required input is missing",
                    "details": name,
                    "extra_info": {"input_name": name},
                }
            )
        elif isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
            if value[0] not in graph:
                errors.append(
                    {
                        "type": "exception_during_validation",
                        "message": "Exception when validating node",
                        "details": repr(value[0]),
                    }
                )
                continue
            source = info.get(graph[value[0]].get("class_type"), {}).get("output", [])
            received = source[value[1]] if 0 <= value[1] < len(source) else None
            if isinstance(config[0], str) and config[0] != "*" and received != config[0]:
                errors.append(
                    {
                        "type": "return_type_mismatch",
                        "message": "Return type mismatch between linked nodes",
                        "details": f"{name}, received_type({received}) mismatch input_type({config[0]})",
                        "extra_info": {"input_name": name, "input_config": config,
                                       "received_type": received, "linked_node": value},
                    }
                )
        elif isinstance(config[0], list) or config[0] == "COMBO":
            choices = config[0] if isinstance(config[0], list) else config[1]["options"]
            if value not in choices:
                errors.append(
                    {
                        "type": "value_not_in_list",
                        "message": "Value not in list",
                        "details": f"{name}: {value!r} not in {choices!r}",
                        "extra_info": {
                            "input_name": name,
                            "input_config": config,
                            "received_value": value,
                        },
                    }
                )
        elif config[0] in ("INT", "FLOAT"):
            low, high = config[1].get("min"), config[1].get("max")
            if low is not None and value < low:
                errors.append(
                    {
                        "type": "value_smaller_than_min",
                        "message": f"Value {value} smaller than min of {low}",
                        "details": name,
                    }
                )
            if high is not None and value > high:
                errors.append(
                    {
                        "type": "value_bigger_than_max",
                        "message": f"Value {value} bigger than max of {high}",
                        "details": name,
                    }
                )
    return errors


def _upstream(graph: dict[str, Any], node_id: str) -> set[str]:
    seen, todo = set(), [node_id]
    while todo:
        current = todo.pop()
        if current in seen or current not in graph:
            continue
        seen.add(current)
        for value in graph[current].get("inputs", {}).values():
            if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
                todo.append(value[0])
    return seen


def validate_prompt(
    graph: Any, info: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any], list[str]]:
    """(error or None, node_errors, the valid output node ids), like ComfyUI's validation."""

    def fail(kind: str, message: str, details: str = "") -> tuple[dict[str, Any], dict, list]:
        return {"type": kind, "message": message, "details": details, "extra_info": {}}, {}, []

    if not isinstance(graph, dict):
        return fail("invalid_prompt", "Prompt is not a mapping")
    for node_id, node in graph.items():
        if "class_type" not in node:
            return fail(
                "invalid_prompt",
                "Cannot execute because a node is missing the class_type property.",
                f"Node ID '#{node_id}'",
            )
        if node["class_type"] not in info:
            return fail(
                "invalid_prompt",
                f"Cannot execute because node {node['class_type']} does not exist.",
                f"Node ID '#{node_id}'",
            )
    outputs = sorted(n for n, node in graph.items() if info[node["class_type"]]["output_node"])
    if not outputs:
        return fail("prompt_no_outputs", "Prompt has no outputs")
    node_errors: dict[str, Any] = {}
    valid: list[str] = []
    for output in outputs:
        bad = False
        for node_id in sorted(_upstream(graph, output)):
            errors = _input_errors(graph[node_id], info[graph[node_id]["class_type"]], graph, info)
            if errors:
                bad = True
                entry = node_errors.setdefault(
                    node_id,
                    {
                        "errors": errors,
                        "dependent_outputs": [],
                        "class_type": graph[node_id]["class_type"],
                    },
                )
                entry["dependent_outputs"].append(output)
        if not bad:
            valid.append(output)
    if not valid:
        error = {
            "type": "prompt_outputs_failed_validation",
            "message": "Prompt outputs failed validation",
            "details": "",
            "extra_info": {},
        }
        return error, node_errors, []
    return None, node_errors, valid
