"""Each command is a plain function of parsed values, called here from Python with no
argparse on real casts; only the CLI edge (commands/calls.py) reads the parsed arguments."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CAST
from PIL import Image
from test_avatars import OUT, picture
from test_personas import write_run

from facebuild.backends.sketch import CHROMA_GREEN
from facebuild.cli import COMMANDS
from facebuild.commands.avatars import AvatarRun, avatars
from facebuild.commands.calls import CALLS
from facebuild.commands.clean import clean
from facebuild.commands.explain import explain
from facebuild.commands.gc import gc
from facebuild.commands.generate import Generation, generate
from facebuild.commands.graph import graph
from facebuild.commands.init import init
from facebuild.commands.options import Overrides
from facebuild.commands.pick import pick
from facebuild.commands.prompts import prompts
from facebuild.commands.sheet import sheet
from facebuild.commands.validate import validate
from facebuild.errors import CastError, UsageError

COMMANDS_DIR = Path(__file__).resolve().parent.parent / "facebuild" / "commands"
EDGE = {"calls", "__init__"}
"""The CLI edge: the one unpacking of parsed arguments, and the error handler."""

Cli = Callable[..., tuple[int, str, str]]


def test_no_command_module_reads_the_parsed_arguments() -> None:
    """Every verb's module is callable without argparse; the parsed arguments are read in
    calls.py alone, and every verb has its unpacking there."""
    readers = []
    for path in sorted(COMMANDS_DIR.glob("*.py")):
        if path.stem in EDGE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            imported = (isinstance(node, ast.Import) and any(a.name == "argparse" for a in node.names)
                        or isinstance(node, ast.ImportFrom) and node.module == "argparse")
            named = isinstance(node, ast.arg) and node.arg == "args"
            if imported or named or isinstance(node, ast.Attribute) and node.attr == "Namespace":
                readers.append(f"{path.name}:{node.lineno}")
    assert readers == []
    assert set(CALLS) == set(COMMANDS)


def test_overrides_become_backend_options() -> None:
    """The backend flags as one value: only what was given, a workflow file by its absolute
    path, one --api-url as a string and several as a pool."""
    Path("wf.json").write_text("{}")
    assert Overrides().backend_options() == {}
    assert Overrides(backend="comfyui", workflow="wf.json", urls=("http://127.0.0.1:1",)
                     ).backend_options() == {"name": "comfyui", "workflow": str(Path("wf.json").resolve()),
                                             "url": "http://127.0.0.1:1"}
    assert Overrides(model="m", region="r", profile="p", workflow="shipped.json",
                     urls=("http://a", "http://b"), redact=True).backend_options() == {
        "model": "m", "region": "r", "profile": "p", "workflow": "shipped.json",
        "url": ["http://a", "http://b"]}


def test_clean_is_called_with_the_cast_path(cast_file: Path, cli: Cli,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("build")[0] == 0
    tessa = (Path("dist/tessa-quark/bust.png")).read_bytes()
    cast_file.write_text(CAST.replace("  - id: bob\n    name: Bob\n    role: Cook\n"
                                      "    description: Round cook with a beard.\n", ""))
    assert clean(cast_file, dry_run=True, as_json=True) == 0
    said = json.loads(capsys.readouterr().out)
    bob = ["bob/bust.png", "bob/full.png", "bob/icon.png"]
    assert sorted(said["removed"]) == bob and said["dry_run"] is True
    assert all((Path("dist") / name).is_file() for name in bob)
    assert clean(cast_file) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(lines[:3]) == [f"removed  {name}" for name in bob]
    assert lines[-1] == "3 output(s) removed"
    assert not any((Path("dist") / name).exists() for name in bob)
    assert Path("dist/tessa-quark/bust.png").read_bytes() == tessa


def test_prompts_graph_and_validate_take_targets_and_overrides(
        cast_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert prompts(cast_file, ["bob/icon"], as_json=True) == 0
    (target,) = json.loads(capsys.readouterr().out)["targets"]
    assert target["target"] == "bob/icon" and target["from"] == "bust"
    assert (target["width"], target["height"]) == (512, 512) and "Round cook" in target["prompt"]
    assert graph(cast_file, ["bob"], notation="mermaid") == 0
    out = capsys.readouterr().out
    assert out.startswith("flowchart LR") and "bob/full" in out and "tessa-quark" not in out
    with pytest.raises(CastError, match="^--backend: unknown backend 'nope'$"):
        prompts(cast_file, overrides=Overrides(backend="nope"))
    with pytest.raises(CastError, match="^--model: unknown option 'model' for the sketch"):
        graph(cast_file, overrides=Overrides(backend="sketch", model="x"))
    assert validate([cast_file]) == 0
    assert capsys.readouterr().out == (f"{cast_file}: ok — 2 characters, 3 variants, 6 targets, "
                                       "4 renders on counting (count-1)\n")
    assert validate([cast_file, "nope.yaml"], as_json=True) == 2
    good, bad = json.loads(capsys.readouterr().out)["casts"]
    assert good["ok"] and good["targets"] == 6
    assert bad == {"cast": "nope.yaml", "ok": False,
                   "error": "nope.yaml: no such cast file (run 'facebuild init' to write one)"}
    assert validate(overrides=Overrides(backend="sketch")) == 0  # the nearest cast.yaml
    assert "renders on sketch" in capsys.readouterr().out


def test_init_sheet_explain_and_gc_write_and_read_real_files(
        tmp_path: Path, cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert init(tmp_path / "game") == 0
    cast = tmp_path / "game" / "cast.yaml"
    assert "captain-mara" in cast.read_text()
    assert ".facebuild/" in (tmp_path / "game" / ".gitignore").read_text()
    with pytest.raises(UsageError, match="already exists"):
        init(tmp_path / "game")
    assert cli("build", str(cast))[0] == 0
    assert sheet(cast, variant="bust", output=tmp_path / "sheet.png") == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'sheet.png'}: 2 characters\n"
    with Image.open(tmp_path / "sheet.png") as image:
        assert image.format == "PNG" and image.width >= 2 * 64
    with pytest.raises(UsageError, match="^--variant bost: no such variant .*did you mean 'bust'"):
        sheet(cast, variant="bost")
    bust = tmp_path / "game/dist/captain-mara/bust.png"
    assert explain(bust, as_json=True) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["as_built"] is True and found["entry"]["target"] == "captain-mara/bust"
    assert gc([cast], dry_run=True, as_json=True) == 0
    assert json.loads(capsys.readouterr().out) == {
        "dry_run": True, "stores": [{"store": str(tmp_path / "game/.facebuild/store"),
                                     "dropped": 0, "bytes": 0}]}


def test_pick_pins_the_seed_given_as_values(tmp_path: Path, counting: object,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    cast = tmp_path / "cast.yaml"
    cast.write_text(CAST.replace("frame: Head and shoulders portrait}",
                                 "frame: Head and shoulders portrait, candidates: 3}"))
    before = cast.read_text().splitlines()
    assert pick("bob/bust", 2, cast=cast) == 0
    after = cast.read_text().splitlines()
    assert len(after) == len(before) + 1
    (added,) = [line for line in after if line not in before]
    assert added.strip().startswith("seeds: {bust: ")
    assert capsys.readouterr().out.startswith("pinned bob/bust candidate 2: seeds.bust = ")
    with pytest.raises(UsageError, match="^bob/bust: no candidate 4; choose 1 to 3$"):
        pick("bob/bust", 4, cast=cast)


def test_generate_writes_ai_facegen_names(cast_file: Path) -> None:
    generation = Generation(output=Path("out"), seed=5, count=2)
    assert generate(cast_file, generation, cache_dir=Path("cache"), output_format="plain") == 0
    sizes = {}
    for path in sorted(Path("out").glob("*_*.png")):
        with Image.open(path) as image:
            sizes[path.name] = image.size
    assert sizes == {f"{who}_{variant}_{i}.png": size
                     for who in ("bob", "tessa_quark") for i in (1, 2)
                     for variant, size in (("bust", (256, 256)), ("icon", (64, 64)),
                                           ("full", (200, 400)))}
    assert any(Path("cache").rglob("*.png"))
    # --seed 5 --count 2: image i has seed 5 + i - 1, so the two busts differ
    assert Path("out/bob_bust_1.png").read_bytes() != Path("out/bob_bust_2.png").read_bytes()
    with pytest.raises(UsageError, match="^--count must be at least 1, got 0$"):
        generate(cast_file, Generation(count=0))


def test_avatars_is_called_with_a_run_and_overrides(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    write_run(tmp_path / "run")
    run = AvatarRun(persona_manifest=tmp_path / "run/characters/persona_manifest.json",
                    output_root=tmp_path / "run", backdrops=False)
    assert avatars(run, overrides=Overrides(redact=True), output_format="plain") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "backend: sketch (offline, the default)"
    files = json.loads((OUT / "image_manifest.json").read_text())["files"]
    assert len(files) == 7 and not any(name.startswith("backdrops/") for name in files)
    assert all(picture(OUT / name) == ((1024, 1024), CHROMA_GREEN) for name in files)
    with pytest.raises(UsageError, match="^--jobs must be at least 1, got 0$"):
        avatars(AvatarRun(run.persona_manifest, run.output_root, jobs=0))


def test_build_and_diff_are_called_with_plain_values(cast_file: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from facebuild.commands.build import build
    from facebuild.commands.diff import diff

    assert diff(cast_file, exit_code=True) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "6 new; a build would make 4 generations"
    assert build(cast_file, ["bob"], output_format="plain") == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "built: 3 generated, 0 derived, 0 cached, 0 failed (2 renders)")
    with Image.open("dist/bob/icon.png") as icon:
        assert icon.size == (64, 64)
    assert not Path("dist/tessa-quark").exists()
    assert build(cast_file, output_format="plain") == 0
    capsys.readouterr()
    assert diff(cast_file, exit_code=True, as_json=True) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["counts"]["unchanged"] == 6 and answer["generations"] == 0
    with pytest.raises(UsageError, match="--jobs must be at least 1"):
        build(cast_file, jobs=0)
