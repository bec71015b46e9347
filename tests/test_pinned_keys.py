"""The render and output keys of the example casts, pinned: a faster planner must make
exactly the keys it made before (a changed key would re-render every image a team has)."""

from __future__ import annotations

import hashlib
from pathlib import Path

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


CANDIDATES = """\
version: 1
name: Candidates
world: {context: A harbour town., style: Cartoon., negative: text}
seed: 3
variants:
  bust: {size: 256, frame: Head and shoulders, candidates: 3}
  icon: {size: 64, from: bust}
characters:
  - {id: ann, name: Ann, role: Pilot, description: Tall pilot with a scarf.}
  - {id: bo, name: Bo, role: Cook, description: Round cook., traits: [calm, loud]}
"""


def test_candidate_keys_are_unchanged(tmp_path: Path) -> None:
    """The extra candidates of a variant share its prompt (rendered once) and differ by seed."""
    (tmp_path / "cast.yaml").write_text(CANDIDATES)
    the_plan = plan(load_cast(tmp_path / "cast.yaml"))
    text = "\n".join(f"{t.name} {t.render_key} {t.output_key}" for t in the_plan.targets.values())
    assert (len(the_plan.targets), hashlib.sha256(text.encode()).hexdigest()) == (
        8, "7d42a7d6f293e986f15d3fc48d27c52579e57c80e01820f349d13e61caa1fb31")
    busts = [t for t in the_plan.targets.values() if t.variant == "bust" and t.character == "ann"]
    assert len({t.prompt for t in busts}) == 1 and len({t.seed for t in busts}) == 3
