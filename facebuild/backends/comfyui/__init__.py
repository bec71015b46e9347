"""The ``comfyui`` backend: API-format workflows on one ComfyUI server or a pool of them.

``backend: {name: comfyui, url: http://127.0.0.1:8188, workflow: sdxl_portrait.json}``;
see ``options.py`` for every option. A variant may override ``workflow`` and ``inputs``.
"""

from __future__ import annotations

import hashlib
import math
import threading
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from facebuild.backends.base import BackendBase, Capabilities, ProgressCallback, RenderRequest, limit_problems
from facebuild.backends.comfyui.answers import MalformedAnswer
from facebuild.backends.comfyui.client import ComfyUIServer, GraphRejected
from facebuild.backends.comfyui.gate import WorkflowGate
from facebuild.backends.comfyui.hints import own_size
from facebuild.backends.comfyui.options import Settings, Timing, parse_options
from facebuild.backends.comfyui.pool import ServerPool
from facebuild.backends.comfyui.prepared import PreparedWorkflow, WorkflowCache
from facebuild.backends.comfyui.results import ServerDown
from facebuild.backends.comfyui.workflow import PLACEHOLDER_PREFIX, digest, inject
from facebuild.errors import BackendError, CastError

REQUEST_OPTIONS = ("workflow", "inputs")
_MEGAPIXEL = 1024 * 1024


class ComfyUIBackend(BackendBase):
    """Renders through ComfyUI's HTTP API; see the module docstring."""

    name = "comfyui"

    def __init__(self, settings: Settings, base_dir: Path) -> None:
        self.settings = settings
        self.base_dir = base_dir
        self.workflows = WorkflowCache(base_dir)
        self.default = self.workflows.get(settings.workflow, settings.inputs, key="backend")
        timing = Timing(timeout=settings.timeout, poll_interval=settings.poll_interval)
        client_id = f"facebuild-{uuid.uuid4().hex}"
        servers = [
            ComfyUIServer(url, client_id=client_id, batch_size=settings.batch_size, timing=timing,
                          max_answer_bytes=settings.max_answer_bytes)
            for url in settings.urls
        ]
        self.pool = ServerPool(servers, batch_size=settings.batch_size, cooldown=settings.cooldown)
        self._preflight_lock = threading.Lock()
        self._preflighted = False
        self.gate = WorkflowGate()

    @property
    def warnings(self) -> list[str]:
        """Servers that dropped out during this build (why, and when they are tried again)."""
        return self.pool.warnings

    def set_warning_sink(self, sink: Callable[[str], None]) -> None:
        """Where a server dropping out is reported as it happens (the build's reporter)."""
        self.pool.sink = sink

    @classmethod
    def from_options(cls, options: Mapping[str, Any], base_dir: Path) -> ComfyUIBackend:
        return cls(parse_options(options), base_dir)

    # -- planning (no network) ----------------------------------------------------------

    def capabilities(self) -> Capabilities:
        return Capabilities(
            backend=self.name,
            model=", ".join(self.default.workflow.checkpoints()) or self.default.workflow.name,
            max_prompt_chars=None,
            max_negative_chars=None,
            seed_min=0,
            seed_max=2**64 - 1,
            price_per_image=0.0,
            max_concurrency=self.settings.batch_size * len(self.settings.urls),
            min_side=16,
            max_side=16384,
            paid=False,
        )

    def render_size(self, width: int, height: int) -> tuple[int, int]:
        """About one megapixel at the output's aspect ratio, sides multiples of 64; a size
        that is already about a megapixel or more and a multiple of 8 is kept."""
        if width * height >= 0.9 * _MEGAPIXEL and width % 8 == 0 and height % 8 == 0:
            return width, height
        aspect = width / height
        side_w = max(64, round(math.sqrt(_MEGAPIXEL * aspect) / 64) * 64)
        side_h = max(64, round(math.sqrt(_MEGAPIXEL / aspect) / 64) * 64)
        side_w = max(side_w, math.ceil(width / 64) * 64)
        side_h = max(side_h, math.ceil(height / 64) * 64)
        return min(side_w, 16384), min(side_h, 16384)

    def render_size_for(self, options: Mapping[str, Any], width: int, height: int) -> tuple[int, int]:
        """``width``×``height``, unless the workflow's size is not injected (an ``inputs:``
        mapping without width and height): then the workflow's own size, which is what the
        server will render, is used and recorded."""
        try:
            prepared = self._prepared(RenderRequest("", "", 0, width, height, options))
        except (CastError, BackendError):
            return width, height  # check() reports it
        if prepared.injection.width is not None:
            return width, height
        return own_size(prepared.workflow.graph) or (width, height)

    def check(self, request: RenderRequest) -> list[str]:
        problems = limit_problems(self.capabilities(), request) + [
            f"unknown comfyui option {key!r} (valid: {', '.join(REQUEST_OPTIONS)})"
            for key in request.options
            if key not in REQUEST_OPTIONS
        ]
        try:
            prepared = self._prepared(request)
        except (CastError, BackendError) as exc:
            problems.append(str(exc))
            return problems
        if request.reference is not None and prepared.injection.image is None:
            problems.append(
                f"workflow {prepared.workflow.name} has no LoadImage node for the reference "
                "(it has none, or several): use the shipped sdxl_reference.json for this variant "
                "(options: {workflow: sdxl_reference.json}), or name the node in "
                "inputs: {image: '<node id>.image'}")
        return problems

    def identity(self, request: RenderRequest) -> dict[str, Any]:
        """The digest of the graph as injected and sent, and which input got which value."""
        prepared = self._prepared(request)
        ref = request.reference  # the reference as planned: its key, not yet its bytes
        image = f"facebuild-reference-{ref.digest}" if ref is not None else None
        graph = self._graph(prepared, request, PLACEHOLDER_PREFIX, image)
        return {"workflow_sha256": digest(graph), "inputs": prepared.injection.describe()}

    @staticmethod
    def key_material(data: Mapping[str, Any]) -> dict[str, Any]:
        """What the render key hashes: the graph as sent (it holds the prompt, negative, seed
        and size wherever they are injected, and the workflow itself) and the backend's
        identity, no URL. A change that leaves the graph as it was (a negative prompt the
        workflow never receives) costs nothing."""
        material = {key: data[key] for key in ("schema", "backend", "reference") if key in data}
        material["workflow_sha256"] = data["identity"]["workflow_sha256"]
        if data.get("blocked"):
            material["blocked"] = data["blocked"]
        return material

    def _prepared(self, request: RenderRequest) -> PreparedWorkflow:
        options = request.options
        if "workflow" not in options and "inputs" not in options:
            return self.default
        ref = options.get("workflow", self.settings.workflow)
        inputs = options.get("inputs", None if "workflow" in options else self.settings.inputs)
        return self.workflows.get(str(ref), inputs, key="")

    @staticmethod
    def _graph(prepared: PreparedWorkflow, request: RenderRequest, prefix: str,
               image: str | None = None) -> dict[str, Any]:
        """The workflow with the request in it; ``image``: the uploaded reference's name."""
        ref = request.reference
        return inject(
            prepared.workflow.graph,
            prepared.injection,
            prompt=request.prompt,
            negative=request.negative,
            seed=request.seed,
            width=request.width,
            height=request.height,
            prefix=prefix,
            image=image if ref is not None else None,
            denoise=ref.strength if ref is not None else None,
        )

    # -- running ------------------------------------------------------------------------

    def preflight(self) -> None:
        """Reach every server (``GET /object_info``) and check the default workflow on each.
        Only when no server answers at all does the build stop; a server that answered
        nonsense is left out, and its jobs fail with that one line if no other is left."""
        with self._preflight_lock:
            if self._preflighted:
                return
            results = self.pool.each(lambda server: server.ensure_ready())
            down = [
                (s, r) for s, r in zip(self.pool.servers, results, strict=True) if isinstance(r, BackendError)
            ]
            unreachable = [error for _, error in down if not _answered(error)]
            if len(unreachable) == len(results):
                raise BackendError("; ".join(str(error) for error in unreachable))
            for server, error in down:
                self.pool.mark_down(server, str(error))
            graph = self.default.workflow.graph
            for server, result in zip(self.pool.servers, results, strict=True):
                if not isinstance(result, BackendError):
                    server.validate(graph, self.default.workflow.name)
            self._preflighted = True

    def generate(self, request: RenderRequest, progress: ProgressCallback | None = None) -> bytes:
        if self.pool.cancelled.is_set():
            raise BackendError("cancelled")
        try:
            prepared = self._prepared(request)
        except CastError as exc:
            raise BackendError(str(exc)) from exc
        ref = request.reference
        if ref is not None and (prepared.injection.image is None or ref.image is None):
            raise BackendError(f"workflow {prepared.workflow.name} cannot take the reference image")
        upload = _upload_name(ref.image) if ref is not None and ref.image is not None else None
        short = digest(self._graph(prepared, request, PLACEHOLDER_PREFIX, upload))[:12]
        name = prepared.workflow.name
        gate_key = f"{digest(prepared.workflow.graph)}/{prepared.injection}"
        first = self.gate.enter(gate_key, self.pool.cancelled)

        def job(server: ComfyUIServer) -> bytes:
            # the reference goes into this server's input folder first, by content
            image = server.upload(ref.image, upload) if ref is not None and ref.image and upload else None

            def make_graph() -> dict[str, Any]:
                # a new prefix for every submission: ComfyUI answers an identical graph with
                # the old file ("cached") instead of writing a new one
                return self._graph(prepared, request, f"facebuild/{short}-{uuid.uuid4().hex[:8]}",
                                   image)

            graphs = [make_graph()]  # checked here, posted first; a resubmission gets a new one
            server.validate(graphs[0], name)

            def next_graph() -> dict[str, Any]:
                return graphs.pop() if graphs else make_graph()

            accepted = (lambda: self.gate.accept(gate_key)) if first else None
            return server.run(next_graph, prepared.injection.output, progress, self.pool.cancelled,
                              accepted)

        try:
            return self.pool.run(job)
        except GraphRejected as exc:
            self.gate.reject(gate_key, exc.message)
            raise BackendError(exc.message) from exc
        finally:
            if first:
                self.gate.release(gate_key)

    def cancel(self) -> None:
        self.pool.cancel()

    def close(self) -> None:
        self.pool.close()


def _upload_name(image: bytes) -> str:
    """A content-addressed file name: the same bytes, the same name on every server."""
    kind = "jpg" if image[:3] == b"\xff\xd8\xff" else "webp" if image[8:12] == b"WEBP" else "png"
    return f"facebuild-{hashlib.sha256(image).hexdigest()[:40]}.{kind}"


def _answered(error: BackendError) -> bool:
    """The server answered, but not like ComfyUI (malformed or oversized answer)."""
    return isinstance(error, MalformedAnswer) or not isinstance(error, ServerDown)


__all__ = ["ComfyUIBackend", "ServerDown"]
