"""dist/manifest.json from a hand-made lock: always strict JSON, whatever the lock holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facebuild.lock import read_lock
from facebuild.manifest import provenance, write_manifest


def strict(text: bytes) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("fields", [
    {"price": float("nan")},  # json.loads reads NaN; JSON has no NaN
    {"render": {"prompt": "\ud800 a lone surrogate", "seed": 10**40}},  # not UTF-8; past 64 bits
])
def test_a_hand_made_lock_still_gives_strict_json(tmp_path: Path, fields: dict[str, object]) -> None:
    entry = {"file": "a/b.png", "sha256": "a" * 64, **fields}
    (tmp_path / "cast.lock").write_text(json.dumps({"targets": {"a/b": entry}, "version": 1}))
    lock = read_lock(tmp_path / "cast.lock")
    dist = tmp_path / "dist"
    assert write_manifest(dist, lock) is True
    files = strict((dist / "manifest.json").read_bytes())
    assert isinstance(files, dict) and list(files["files"]) == ["a/b.png"]
    if "render" in fields:
        assert files["files"]["a/b.png"] == provenance("a/b", lock.entries["a/b"])
    assert write_manifest(dist, lock) is False  # the same bytes: not written again


def test_a_link_in_place_of_the_manifest_is_replaced_not_followed(tmp_path: Path) -> None:
    (tmp_path / "cast.lock").write_text(json.dumps(
        {"targets": {"a/b": {"file": "a/b.png", "sha256": "a" * 64}}, "version": 1}))
    lock = read_lock(tmp_path / "cast.lock")
    dist = tmp_path / "dist"
    dist.mkdir()
    outside = tmp_path / "outside.json"
    outside.write_text("mine")
    (dist / "manifest.json").symlink_to(outside)
    assert write_manifest(dist, lock) is True
    assert outside.read_text() == "mine" and not (dist / "manifest.json").is_symlink()
    assert strict((dist / "manifest.json").read_bytes())["files"]["a/b.png"]["target"] == "a/b"


def test_references_and_workflow_inputs_are_in_the_manifest(tmp_path: Path) -> None:
    """A render made from another carries the reference and what it depends on; a ComfyUI
    render the workflow inputs it set; a plain render neither."""
    referenced = {"file": "a/full.png", "sha256": "b" * 64, "depends_on": "a/bust",
                  "render": {"seed": 1, "reference": {"target": "a/bust", "render_key": "k" * 64},
                             "identity": {"workflow": "x", "inputs": {"6.text": "a prompt"}}}}
    plain = {"file": "a/bust.png", "sha256": "a" * 64, "render": {"seed": 2, "identity": {"model": "m"}}}
    (tmp_path / "cast.lock").write_text(json.dumps({"targets": {"a/full": referenced, "a/bust": plain},
                                                    "version": 1}))
    write_manifest(tmp_path / "dist", read_lock(tmp_path / "cast.lock"))
    files = strict((tmp_path / "dist" / "manifest.json").read_bytes())["files"]
    assert files["a/full.png"]["reference"] == {"target": "a/bust", "render_key": "k" * 64}
    assert files["a/full.png"]["depends_on"] == "a/bust"
    assert files["a/full.png"]["inputs"] == {"6.text": "a prompt"}
    assert not {"reference", "depends_on", "inputs"} & set(files["a/bust.png"])
    assert files["a/bust.png"]["seed"] == 2 and files["a/bust.png"]["price"] == 0.0
