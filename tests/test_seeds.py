"""One seed per character: every variant of a character shares it unless pinned;
``seed_scope: variant`` keeps the earlier per-variant seeds exactly."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CAST

from facebuild import load_cast, plan

MOON = """\
version: 1
name: Moon
seed: 2187
backend: {name: counting}
variants:
  bust: {size: 256, frame: Head and shoulders portrait, candidates: 3}
  icon: {size: 64, from: bust}
  full: {size: 512, frame: Full body, candidates: 3}
characters:
  - id: tessa-quark
    name: Tessa Quark
  - id: captain-zil
    name: Captain Zil
"""


def seeds(path: Path) -> dict[str, int]:
    return {name: t.seed for name, t in plan(load_cast(path)).targets.items()}


def test_every_variant_of_a_character_shares_one_seed(tmp_path: Path, counting) -> None:
    got = seeds(_write(tmp_path, MOON))
    assert got["tessa-quark/bust"] == got["tessa-quark/full"] == got["tessa-quark/icon"]
    assert got["captain-zil/bust"] == got["captain-zil/full"]
    assert got["tessa-quark/bust"] != got["captain-zil/bust"]
    # candidate k of every variant of a character shares the k-th seed, and each try differs
    assert got["tessa-quark/bust~2"] == got["tessa-quark/full~2"]
    assert got["tessa-quark/bust~3"] == got["tessa-quark/full~3"]
    assert len({got["tessa-quark/bust"], got["tessa-quark/bust~2"], got["tessa-quark/bust~3"],
                got["captain-zil/bust~2"]}) == 4


def test_seed_scope_variant_gives_exactly_the_earlier_seeds(tmp_path: Path, counting) -> None:
    got = seeds(_write(tmp_path, MOON.replace("seed: 2187\n", "seed: 2187\nseed_scope: variant\n")))
    # the seeds facebuild 0.1 derived from (cast seed, character id, variant name)
    assert got["tessa-quark/bust"] == got["tessa-quark/icon"] == 1362822821
    assert got["tessa-quark/full"] == 26829318
    assert got["tessa-quark/bust~2"] == 435263974
    assert got["tessa-quark/full~2"] == 820212178
    assert got["tessa-quark/bust~3"] == 502567353
    assert got["captain-zil/bust"] == 365080401
    assert got["captain-zil/full"] == 103290294
    assert got["captain-zil/bust~2"] == 1296108623


def test_a_character_keeps_its_seed_when_others_come_and_go(tmp_path: Path, counting) -> None:
    before = seeds(_write(tmp_path, MOON))
    fewer = MOON.replace("  - id: tessa-quark\n    name: Tessa Quark\n", "")
    after = seeds(_write(tmp_path, fewer + "  - id: new-one\n    name: New One\n"))
    assert after["captain-zil/bust"] == before["captain-zil/bust"]
    assert after["captain-zil/full~2"] == before["captain-zil/full~2"]


def test_pins_win_most_specific_first(tmp_path: Path, counting) -> None:
    text = (MOON.replace("  full: {size: 512, frame: Full body, candidates: 3}",
                         "  full: {size: 512, frame: Full body, candidates: 3, seed: 99}")
            .replace("    name: Captain Zil\n",
                     "    name: Captain Zil\n    seed: 5\n    seeds: {bust: 1234}\n"))
    got = seeds(_write(tmp_path, text))
    assert got["tessa-quark/full"] == 99            # the variant's own seed
    assert got["tessa-quark/bust"] != 99            # the other variants keep the character's
    assert got["captain-zil/bust"] == got["captain-zil/icon"] == 1234   # seeds: {variant: n}
    assert got["captain-zil/full"] == 5             # the character's seed over the variant's
    untouched = seeds(_write(tmp_path, MOON))
    assert got["tessa-quark/bust"] == untouched["tessa-quark/bust"]
    assert got["captain-zil/full~2"] == untouched["captain-zil/full~2"]   # tries stay unpinned


def test_diff_names_the_seed_as_what_an_upgrade_rerenders(cast_file: Path, cli) -> None:
    cast_file.write_text(CAST.replace("seed: 7\n", "seed: 7\nseed_scope: variant\n"))
    assert cli("build")[0] == 0
    cast_file.write_text(CAST)
    code, out, _ = cli("diff", "--json")
    assert code == 0
    data = json.loads(out)
    status = {t["target"]: (t["status"], t["reasons"]) for t in data["targets"]}
    # bust (and the icon cut from it) and full had seeds of their own: now they share one
    assert status == {name: ("changed", ["seed"]) for name in
                      ("tessa-quark/bust", "tessa-quark/icon", "tessa-quark/full",
                       "bob/bust", "bob/icon", "bob/full")}
    assert data["generations"] == 4
    _, text, _ = cli("diff")
    assert "changed    tessa-quark/full  (seed)" in text


def test_seed_scope_is_checked(tmp_path: Path, cli) -> None:
    _write(tmp_path, MOON.replace("seed: 2187\n", "seed: 2187\nseed_scope: variants\n"))
    code, _, err = cli("validate")
    assert code == 2
    assert "cast.yaml:4:1: seed_scope: input should be 'character' or 'variant'" in err
    assert "Traceback" not in err


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cast.yaml"
    path.write_text(text)
    return path


def test_pick_pins_one_variant_and_the_next_build_takes_it_from_the_store(tmp_path: Path,
                                                                           counting, cli) -> None:
    path = _write(tmp_path, MOON)
    assert cli("build")[0] == 0
    before = seeds(path)
    counting.calls.clear()
    code, out, _ = cli("pick", "tessa-quark/bust", "3")
    assert code == 0 and f"seeds.bust = {before['tessa-quark/bust~3']}" in out
    after = seeds(path)
    assert after["tessa-quark/bust"] == after["tessa-quark/icon"] == before["tessa-quark/bust~3"]
    assert after["tessa-quark/full"] == before["tessa-quark/full"]   # the other variants stay
    assert cli("build")[0] == 0
    assert counting.calls == []   # candidate 3 was rendered already: nothing is generated
