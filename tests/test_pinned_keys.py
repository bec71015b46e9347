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
    "ember-vale": (11, "3487219d219f9f39c289d82bac34aae091ea5e6c77bcac1c024ba12af768977c"),
    "moon-hard-lemonade": (18, "084926cfef8a1184ac06a0bda09ce886dbe1d32421e7659ff402ac7069cb7951"),
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
        8, "85f8e4f896ae64145182f98668a46cf285aea7d39746a2708f4494465dcd907a")
    busts = [t for t in the_plan.targets.values() if t.variant == "bust" and t.character == "ann"]
    assert len({t.prompt for t in busts}) == 1 and len({t.seed for t in busts}) == 3
