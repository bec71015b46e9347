"""facebuild pick: a candidate's seed pinned into the cast file as a one-line change, after
which the target builds from the store with no new generation."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from PIL import Image

from facebuild.cast import load_cast
from facebuild.planner import candidate_seed

COMMENTED = """\
# yaml-language-server: $schema=../facebuild/cast.schema.json
# A cast full of comments: pick must keep every one of them where it is.
version: 1          # the format
name: Test Cast

world:
  context: A harbour town.   # lore
  style: "Cartoon, warm palette."
  negative: text, watermark
backend: {name: counting}   # the test stand-in
seed: 7
variants:
  # three tries at the bust; the icon is cut from the chosen one
  bust: {size: 256, frame: Head and shoulders portrait, candidates: 3}
  icon: {size: 64, from: bust}
  full: {size: [200, 400], frame: Full body, crop: top}   # no candidates
include: [party/*.yaml]
characters:
  # the hero
  - id: tessa-quark
    name: Tessa Quark     # say it fast
    role: Digger
    # her look
    description: >-
      Optimistic mechanic with a grin
      and short hair.
    traits: [brave, quick]

  # the cook, who already pinned a full body
  - id: bob
    name: Bob
    seeds: {full: 5}   # liked this one
    description: Round cook with a beard.
  - id: ann
    name: Ann
    seeds:
      full: 11   # keep
    # nothing after this but comments
# the end
"""

INCLUDED = """\
# the crew, kept in its own file
- id: zed          # first mate
  name: Zed
  role: Pilot
  description: Lanky pilot with goggles.
"""


@pytest.fixture
def commented(tmp_path: Path, counting) -> Path:
    (tmp_path / "party").mkdir()
    (tmp_path / "party" / "crew.yaml").write_text(INCLUDED)
    path = tmp_path / "cast.yaml"
    path.write_text(COMMENTED)
    return path


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def seed_of(path: Path, character: str, candidate: int) -> int:
    return candidate_seed(load_cast(path), character, "bust", candidate)


def pixels(path: Path) -> bytes:
    with Image.open(path) as image:
        return image.convert("RGB").tobytes()


def test_pick_is_one_line_and_builds_from_the_store(commented, cli, counting) -> None:
    assert cli("build")[0] == 0
    dist = commented.parent / "dist"
    chosen = pixels(dist / "tessa-quark/bust.candidate-3.png")
    assert chosen != pixels(dist / "tessa-quark/bust.png")
    calls = len(counting.calls)
    seed = seed_of(commented, "tessa-quark", 3)
    code, out, err = cli("pick", "tessa-quark/bust", "3")
    assert code == 0, err
    assert f"pinned tessa-quark/bust candidate 3: seeds.bust = {seed}" in out
    assert changed_lines(COMMENTED, commented.read_text()) == [f"+    seeds: {{bust: {seed}}}"]
    assert commented.read_text().splitlines()[21:23] == ["    role: Digger",
                                                         f"    seeds: {{bust: {seed}}}"]
    assert "a build would make 0 generations" in cli("diff")[1]
    assert cli("build")[0] == 0
    assert len(counting.calls) == calls  # no new generation: candidate 3 was in the store
    assert pixels(dist / "tessa-quark/bust.png") == chosen
    assert pixels(dist / "tessa-quark/bust.candidate-3.png") == chosen


def test_pick_edits_existing_seeds_in_place(commented, cli) -> None:
    before = COMMENTED
    assert cli("pick", "bob/bust", "2")[0] == 0
    after = commented.read_text()
    assert changed_lines(before, after) == [
        "-    seeds: {full: 5}   # liked this one",
        f"+    seeds: {{full: 5, bust: {seed_of(commented, 'bob', 2)}}}   # liked this one"]
    assert cli("pick", "ann/bust", "3")[0] == 0
    assert changed_lines(after, commented.read_text()) == [
        f"+      bust: {seed_of(commented, 'ann', 3)}"]
    after = commented.read_text()
    assert cli("pick", "ann/bust", "2")[0] == 0  # a second pick replaces the value
    assert changed_lines(after, commented.read_text()) == [
        f"-      bust: {seed_of(commented, 'ann', 3)}", f"+      bust: {seed_of(commented, 'ann', 2)}"]
    assert load_cast(commented).character("ann").seeds == {"full": 11,
                                                          "bust": seed_of(commented, "ann", 2)}
    code, out, _ = cli("pick", "ann/bust", "2")
    assert code == 0 and "already pinned" in out


def test_pick_edits_the_included_file(commented, cli) -> None:
    code, out, err = cli("pick", "zed/bust", "2")
    assert code == 0, err
    crew = commented.parent / "party/crew.yaml"
    assert commented.read_text() == COMMENTED
    assert changed_lines(INCLUDED, crew.read_text()) == [
        f"+  seeds: {{bust: {seed_of(commented, 'zed', 2)}}}"]
    assert "party/crew.yaml:2" in out


@pytest.mark.parametrize(("args", "message"), [
    (["tessa-quark/buts", "2"], "no target 'tessa-quark/buts' in cast.yaml (did you mean "
                                "'tessa-quark/bust'?)"),
    (["tessa-quark/bust", "4"], "tessa-quark/bust: no candidate 4; choose 1 to 3"),
    (["tessa-quark/bust", "0"], "tessa-quark/bust: no candidate 0; choose 1 to 3"),
    (["bob/full", "2"], "bob/full: variant 'full' has no candidates to pick from"),
])
def test_pick_errors(commented, cli, args, message) -> None:
    code, out, err = cli("pick", *args)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert commented.read_text() == COMMENTED
