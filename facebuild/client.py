"""``PortraitClient``: portraits in a few lines, over the same plan, store and render path
as ``facebuild build``. Written so that code for the earlier ai_facegen library runs with
only its import changed."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from facebuild import images
from facebuild.backends import Backend, create_backend
from facebuild.caches import CheckedStore, FileCache, as_render_store
from facebuild.cast import cast_from_data
from facebuild.errors import BackendError, CastError, LimitError
from facebuild.planner import Plan, Target, plan
from facebuild.render import RenderOutcome, RenderStore, run_renders
from facebuild.result import PortraitResult
from facebuild.specs import CharacterSpec, InvalidSpecError, VariantSpec, WorldSpec, cast_data

_DEFAULT: Any = object()
_REMOTE = ("model", "region_name", "profile_name", "boto_config", "endpoint_url")
"""Arguments that ask for Bedrock when no backend is named."""
_ARGUMENT = {"backend.model": "model", "backend.region": "region_name",
             "backend.profile": "profile_name"}
RANDOM_SEED_MAX = 2_147_483_646
"""Random seeds stay within every Bedrock model's range."""

Results = dict[str, PortraitResult]

__all__ = ["PortraitClient", "PortraitResult", "Results"]


class PortraitClient:
    """Generate portraits for characters from Python.

    Which backend you get: ``backend`` names one (``"sketch"``, ``"bedrock"``,
    ``"comfyui"``) or is a ready ``Backend``. Without it, any of ``model``, ``region_name``,
    ``profile_name`` or ``boto_config`` means Amazon Bedrock, as in ai_facegen (the model
    defaults to the current one offered in the region); a call with none of them gets the
    offline ``sketch`` backend, which needs no account.

    Renders are kept in ``cache`` (or ``store``): a folder, ``None`` (no caching), a
    ``FileCache``/``MemoryCache``/``NoOpCache``, or any object with ai_facegen's cache
    methods (``make_key``, ``get``, ``put``). The default is the user cache folder
    (``~/.cache/facebuild/store``), so a second identical call costs nothing.
    """

    def __init__(self, backend: str | Backend | None = None, *, model: str | None = None,
                 region_name: str | None = None, store: Any = _DEFAULT, cache: Any = _DEFAULT,
                 jobs: int | None = None, profile_name: str | None = None,
                 boto_config: Any = None, **options: Any) -> None:
        if isinstance(backend, str) or backend is None:
            given = {"model": model, "region_name": region_name, "profile_name": profile_name,
                     "boto_config": boto_config, "endpoint_url": options.get("endpoint_url")}
            remote = any(given[name] is not None for name in _REMOTE)
            name = backend or ("bedrock" if remote else "sketch")
            for key, value in (("model", model), ("region", region_name),
                               ("profile", profile_name)):
                if value is not None:
                    options[key] = value
            backend = _create(name, options)
        self.backend = backend
        chosen = cache if cache is not _DEFAULT else store
        self.store: RenderStore = (CheckedStore(FileCache(), "the user cache")
                                   if chosen is _DEFAULT else as_render_store(chosen))
        self.jobs = jobs

    def generate(self, world: WorldSpec, character: CharacterSpec,
                 variants: Sequence[VariantSpec], seed: int | None = None,
                 count: int = 1) -> dict[str, Any]:
        """``{variant name: PortraitResult}``; with ``count=N``, a list of N results per
        variant. ``seed=42`` sends 42 to the model for every variant (42, 43, ... for the
        N images of a count); ``seed=None`` draws a random seed, sent and returned in
        ``result.seed`` so that the image can be made again."""
        return self.generate_many(world, [character], variants, seed=seed,
                                  count=count)[character.slug]

    def generate_many(self, world: WorldSpec, characters: Sequence[CharacterSpec],
                      variants: Sequence[VariantSpec], seed: int | None = None,
                      count: int = 1) -> dict[str, dict[str, Any]]:
        """``{character id: {variant: result}}`` for many characters, rendered
        concurrently within the backend's limits. Seeds as in ``generate`` (a character
        with its own ``seed`` uses it when ``seed`` is None)."""
        if count < 1:
            raise InvalidSpecError(f"count must be at least 1, got {count}", key="count")
        if not variants:
            raise InvalidSpecError("give at least one VariantSpec", key="variants")
        bases = {c.slug: seed if seed is not None else c.seed for c in characters}
        if any(base is None for base in bases.values()):
            drawn = self._random_seed(count)
            bases = {slug: drawn if base is None else base for slug, base in bases.items()}
        plans = [self._plan(world, characters, variants, bases, k) for k in range(count)]
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

    def _random_seed(self, count: int) -> int:
        caps = self.backend.capabilities()
        low = max(caps.seed_min, 1)
        high = max(low, min(caps.seed_max, RANDOM_SEED_MAX) - (count - 1))
        return random.randint(low, high)

    def _plan(self, world: WorldSpec, characters: Sequence[CharacterSpec],
              variants: Sequence[VariantSpec], bases: dict[str, int | None],
              candidate: int) -> Plan:
        """Image ``candidate`` of a count: every variant sent the seed base + candidate."""
        data = cast_data(world, characters, variants)
        for entry in data["characters"]:
            entry.pop("seed", None)
            base = bases[entry["id"]]
            assert base is not None
            entry["seeds"] = {v.name: base + candidate for v in variants}
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
        results: dict[str, tuple[bytes, bool]] = {}
        failures: dict[str, Exception] = {}
        mutex = threading.Lock()

        def finished(outcome: RenderOutcome) -> None:
            with mutex:
                if outcome.error is not None:
                    failures[outcome.key] = outcome.error
                elif outcome.data is not None:
                    results[outcome.key] = (outcome.data, outcome.generated)

        run_renders(self.backend, self.store, requests,
                    workers=min(self.jobs or limit, limit, len(requests)), on_render=finished)
        for key in requests:  # the first failure in request order, as a call would raise it
            error = failures.get(key)
            if isinstance(error, BackendError) and error.target is None:
                error.target = requests[key].label
            if error is not None:
                raise error
        return results


def _create(name: str, options: dict[str, Any]) -> Backend:
    """The named backend; a mistake in its options names the argument of this call."""
    try:
        return create_backend(name, options, Path.cwd())
    except KeyError:
        raise InvalidSpecError(f"unknown backend {name!r}", key="backend") from None
    except CastError as exc:
        if exc.key in _ARGUMENT:
            exc.key = _ARGUMENT[exc.key]
            exc.args = (exc.format(),)
        raise


def _result(target: Target, render: bytes, candidate: int, generated: bool) -> PortraitResult:
    metadata = {"prompt": target.prompt, "seed": str(target.seed),
                "model": str(target.render_inputs["model"]), "render_key": target.render_key}
    return PortraitResult(
        name=target.variant, character=target.character,
        png_bytes=images.derive(render, target.post, metadata), prompt=target.prompt,
        negative=target.request.negative, seed=target.seed, render_key=target.render_key,
        candidate=candidate, generated=generated)
