"""The render and output keys of the example casts, pinned: a faster planner must make
exactly the keys it made before (a changed key would re-render every image a team has)."""

from __future__ import annotations

import hashlib

import pytest
from conftest import EXAMPLES

from facebuild.cast import load_cast
from facebuild.planner import plan

PINNED = {
    "ember-vale": (11, "10f703e34270e9ab4e8919c334d725698fdc7c4a133bc9a9fd5f847b09d48c69"),
    "moon-hard-lemonade": (18, "1260db0fbc7a3251c75f80522e5c8aaa778f52f1d287fb88bf625bb9a7e590a8"),
}


def keys_digest(name: str) -> tuple[int, str]:
    the_plan = plan(load_cast(EXAMPLES / name / "cast.yaml"))
    text = "\n".join(f"{t.name} {t.render_key} {t.output_key}" for t in the_plan.targets.values())
    return len(the_plan.targets), hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("name", sorted(PINNED))
def test_example_keys_are_unchanged(name: str) -> None:
    assert keys_digest(name) == PINNED[name]
    assert keys_digest(name) == PINNED[name]  # a second plan in the same process, too
