"""``PortraitClient``: portraits in a few lines, over the same plan, store and render path
as ``facebuild build``."""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from PIL import Image

from facebuild import images
from facebuild.atomic import write_atomic
from facebuild.backends import Backend, create_backend
from facebuild.caches import FileCache, MemoryCache, NoOpCache
from facebuild.cast import cast_from_data
from facebuild.errors import BackendError, LimitError
from facebuild.keys import derive_seed
from facebuild.planner import Plan, Target, plan
from facebuild.render import RenderStore, obtain_render
from facebuild.specs import CharacterSpec, InvalidSpecError, VariantSpec, WorldSpec, cast_data

_DEFAULT: Any = object()


@dataclass(frozen=True)
class PortraitResult:
    """One generated image and where it came from."""

    character: str
    variant: str
    png_bytes: bytes
    prompt: str
    negative: str
    seed: int
    render_key: str
    candidate: int = 0
    generated: bool = field(default=False, compare=False)
    """Whether this call paid for the render (False: it came from the store)."""

    @cached_property
    def image(self) -> Image.Image:
        image = Image.open(io.BytesIO(self.png_bytes))
        image.load()
        return image

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        write_atomic(target, self.png_bytes)
        return target


Results = dict[str, PortraitResult]


class PortraitClient:
    """Generate portraits for characters from Python.

    ``backend`` is a backend name (``sketch`` by default; ``bedrock`` when a ``model`` or
    ``region_name`` is given) or a ready ``Backend``. Renders are kept in ``store`` (a
    folder, default the user cache), or in ``cache`` (a path, ``None``, or a
    ``FileCache``/``MemoryCache``/``NoOpCache``); ``store=None`` turns caching off.
    """

    def __init__(self, backend: str | Backend | None = None, *, model: str | None = None,
                 region_name: str | None = None, store: Any = _DEFAULT, cache: Any = _DEFAULT,
                 jobs: int | None = None, **options: Any) -> None:
        if isinstance(backend, str) or backend is None:
            name = backend or ("bedrock" if model or region_name else "sketch")
            if model is not None:
                options["model"] = model
            if region_name is not None:
                options["region"] = region_name
            backend = create_backend(name, options, Path.cwd())
        self.backend = backend
        self.store = _resolve_store(cache if cache is not _DEFAULT else store)
        self.jobs = jobs

    def generate(self, world: WorldSpec, character: CharacterSpec,
                 variants: Sequence[VariantSpec], seed: int | None = None,
                 count: int = 1) -> dict[str, Any]:
        """``{variant name: PortraitResult}``; with ``count=N``, a list of N candidates
        (different seeds) per variant."""
        return self.generate_many(world, [character], variants, seed=seed,
                                  count=count)[character.slug]

    def generate_many(self, world: WorldSpec, characters: Sequence[CharacterSpec],
                      variants: Sequence[VariantSpec], seed: int | None = None,
                      count: int = 1) -> dict[str, dict[str, Any]]:
        """``{character id: {variant: result}}`` for many characters, rendered
        concurrently within the backend's limits."""
        if count < 1:
            raise InvalidSpecError(f"count must be at least 1, got {count}", key="count")
        if not variants:
            raise InvalidSpecError("give at least one VariantSpec", key="variants")
        plans = [self._plan(world, characters, variants, seed or 0, k) for k in range(count)]
        rendered = self._render_all(plans)
        out: dict[str, dict[str, Any]] = {c.slug: {} for c in characters}
        for k, the_plan in enumerate(plans):
            for target in the_plan.targets.values():
                render, generated = rendered[target.render_key]
                result = _result(target, render, k, generated)
                slot = out[target.character]
                if count == 1:
                    slot[target.variant] = result
                else:
                    slot.setdefault(target.variant, []).append(result)
        return out

    def _plan(self, world: WorldSpec, characters: Sequence[CharacterSpec],
              variants: Sequence[VariantSpec], seed: int, candidate: int) -> Plan:
        data = cast_data(world, characters, variants, seed=seed)
        if candidate:  # candidate k: seeds of its own, also for characters with a fixed seed
            for entry in data["characters"]:
                base = entry.pop("seed", seed)
                entry["seeds"] = {v.name: derive_seed(base + candidate, entry["id"], v.name)
                                  for v in variants}
        the_plan = plan(cast_from_data(data, Path.cwd()), self.backend)
        problems = the_plan.check()
        if problems:
            raise LimitError("; ".join(problems))
        return the_plan

    def _render_all(self, plans: list[Plan]) -> dict[str, tuple[bytes, bool]]:
        requests = {key: req for p in plans for key, req in p.renders().items()}
        if any(not self.store.has(key) for key in requests):
            self.backend.preflight()
        limit = self.backend.capabilities().max_concurrency
        workers = max(1, min(self.jobs or limit, limit, len(requests)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {key: pool.submit(obtain_render, self.backend, self.store, key, req)
                       for key, req in requests.items()}
            results: dict[str, tuple[bytes, bool]] = {}
            for key, future in futures.items():
                try:
                    results[key] = future.result()
                except BackendError as exc:
                    if exc.target is None:
                        exc.target = requests[key].label
                    raise
        return results


def _result(target: Target, render: bytes, candidate: int, generated: bool) -> PortraitResult:
    metadata = {"prompt": target.prompt, "seed": str(target.seed),
                "model": str(target.render["model"]), "render_key": target.render_key}
    return PortraitResult(
        character=target.character, variant=target.variant,
        png_bytes=images.derive(render, target.post, metadata), prompt=target.prompt,
        negative=target.request.negative, seed=target.seed, render_key=target.render_key,
        candidate=candidate, generated=generated)


def _resolve_store(value: Any) -> RenderStore:
    if value is _DEFAULT:
        return FileCache()
    if value is None:
        return NoOpCache()
    if isinstance(value, str | Path):
        return FileCache(value)
    if isinstance(value, FileCache | MemoryCache | NoOpCache):
        return value
    if all(hasattr(value, name) for name in ("has", "get", "put", "exclusive")):
        return value  # type: ignore[no-any-return]
    raise InvalidSpecError(f"cache must be a path, None, FileCache, MemoryCache or NoOpCache, "
                           f"got {type(value).__name__}", key="cache")
