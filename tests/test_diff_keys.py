"""diff compares keys first and lists reasons only for a target whose keys or inputs differ."""

from __future__ import annotations

import json
import re
from pathlib import Path


def edit_lock(folder: Path, target: str, **fields: object) -> None:
    path = folder / "cast.lock"
    data = json.loads(path.read_text())
    data["targets"][target].update(fields)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def test_equal_keys_are_unchanged_with_no_reasons(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    cast_file.write_text(cast_file.read_text() + "# a comment: the same meaning\n")
    code, out, _ = cli("diff", "--json")
    assert code == 0, out
    targets = json.loads(out)["targets"]
    assert len(targets) == 6
    assert all(t["status"] == "unchanged" and t["reasons"] == [] for t in targets)


def test_equal_keys_with_other_recorded_inputs_still_say_why(cast_file: Path, cli) -> None:
    """A lock whose post-processing or source disagrees with its own output key (edited by
    hand, or written by another version) is not trusted on its keys alone."""
    assert cli("build")[0] == 0
    edit_lock(cast_file.parent, "bob/icon", post={"size": [31, 31], "crop": "center", "format": "png"})
    edit_lock(cast_file.parent, "bob/full", source={"persona": "elsewhere.md"})  # holds no other's render
    code, out, _ = cli("diff")
    assert re.search(r"^rederive +bob/icon +\(size\)$", out, re.M), out
    assert re.search(r"^rederive +bob/full +\(source\)$", out, re.M), out


def test_a_changed_render_key_lists_the_render_reasons(cast_file: Path, cli) -> None:
    assert cli("build")[0] == 0
    cast_file.write_text(cast_file.read_text().replace("seed: 7\n", "seed: 8\n"))
    code, out, _ = cli("diff")
    assert re.search(r"^changed +bob/bust +\(seed\)$", out, re.M), out
