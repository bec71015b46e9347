"""The cyclic garbage collector is paused while a plan is made (it would walk the whole,
only growing heap again and again) and restored after, also when planning fails."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from conftest import CountingBackend

from facebuild.backends import RenderRequest
from facebuild.cast import load_cast
from facebuild.errors import CastError
from facebuild.planner import plan


class WatchingBackend(CountingBackend):
    """Notes whether the collector ran automatically while each key was made; refuses a
    prompt holding REFUSE as a bad option (an error raised in the middle of a plan)."""

    seen: list[bool] = []

    def identity(self, request: RenderRequest) -> dict[str, Any]:
        WatchingBackend.seen.append(gc.isenabled())
        if "REFUSE" in request.prompt:
            raise CastError("refused", key="backend.model")
        return super().identity(request)


def test_collector_paused_while_planning_and_restored(cast_file: Path) -> None:
    cast = load_cast(cast_file)
    WatchingBackend.seen = []
    assert gc.isenabled()
    the_plan = plan(cast, WatchingBackend({}, cast.base_dir))
    assert len(the_plan.targets) == 6
    assert WatchingBackend.seen == [False] * 4  # two renders for each of two characters
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # nothing left frozen


def test_collector_restored_when_planning_fails(cast_file: Path) -> None:
    cast_file.write_text(cast_file.read_text().replace("Round cook", "REFUSE cook"))
    cast = load_cast(cast_file)
    with pytest.raises(CastError):
        plan(cast, WatchingBackend({}, cast.base_dir))
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_collector_left_off_when_the_caller_turned_it_off(cast_file: Path) -> None:
    cast = load_cast(cast_file)
    gc.disable()
    try:
        plan(cast, WatchingBackend({}, cast.base_dir))
        assert not gc.isenabled()
    finally:
        gc.enable()
