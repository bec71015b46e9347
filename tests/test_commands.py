"""The smaller commands: init, validate, prompts, schema, clean, gc; and the CLI edge."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import CAST, REPO

from facebuild.schema import cast_schema


def test_init_writes_a_cast_that_builds_at_once(tmp_path: Path, cli) -> None:
    code, out, _ = cli("init", "game")
    assert code == 0
    code, out, err = cli("build", "game/cast.yaml")
    assert code == 0, err
    assert (tmp_path / "game/dist/captain-mara/bust.png").exists()
    assert (tmp_path / "game/cast.lock").exists()
    code, _, err = cli("init", "game")
    assert code == 2
    assert "already exists" in err


def test_validate_reports_counts(cast_file, cli) -> None:
    code, out, _ = cli("validate")
    assert code == 0
    assert "2 characters, 3 variants, 6 targets, 4 renders on counting (count-1)" in out


def test_validate_checks_the_backend_limits(cast_file, cli, counting) -> None:
    cast_file.write_text(CAST.replace("description: Round cook", "description: " + "x" * 2100))
    code, _, err = cli("validate")
    assert code == 2
    assert "bob/bust: prompt is" in err and "over the 2000 limit" in err
    code, _, err = cli("build")
    assert code == 2
    assert counting.calls == []


def test_prompts_prints_prompt_and_negative(cast_file, cli) -> None:
    code, out, _ = cli("prompts", "cast.yaml", "bob/icon")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("== bob/icon (from bob/bust)  seed ")
    assert lines[1] == ("prompt:   Head and shoulders portrait. Bob, Cook. Round cook with a beard."
                        " Style: Cartoon, warm palette. Setting: A harbour town.")
    assert lines[2] == "negative: text, watermark"


def test_schema_is_published_and_current(cli) -> None:
    code, out, _ = cli("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "facebuild cast"
    assert {"version", "name", "variants"} <= set(schema["required"])
    shipped = json.loads((REPO / "facebuild" / "cast.schema.json").read_text())
    assert shipped == cast_schema(), "run: facebuild schema > facebuild/cast.schema.json"


def test_clean_removes_only_what_facebuild_made(cast_file, cli) -> None:
    cli("build")
    dist = cast_file.parent / "dist"
    (dist / "notes.txt").write_text("mine")
    text = CAST.replace("  full: {size: [200, 400], frame: Full body, crop: top}\n", "")
    cast_file.write_text(text)
    code, out, _ = cli("clean", "--dry-run")
    assert "would remove  bob/full.png" in out
    assert (dist / "bob/full.png").exists()
    code, out, _ = cli("clean")
    assert code == 0
    assert not (dist / "bob/full.png").exists()
    manifest = json.loads((dist / "manifest.json").read_text())["files"]
    assert "bob/full.png" not in manifest and "bob/bust.png" in manifest
    assert (dist / "notes.txt").read_text() == "mine"
    assert "left     notes.txt (not made by facebuild)" in out


def test_gc_drops_renders_no_lock_needs(cast_file, cli, counting) -> None:
    cli("build")
    cast_file.write_text(CAST.replace("seed: 7", "seed: 8"))
    cli("build")
    store = cast_file.parent / ".facebuild/store"
    assert len(list(store.glob("*/*.png"))) == 8
    code, out, _ = cli("gc", "--dry-run")
    assert "would drop 4 render(s)" in out
    code, out, _ = cli("gc")
    assert len(list(store.glob("*/*.png"))) == 4
    counting.calls.clear()
    cli("build")
    assert counting.calls == []


def test_help_imports_nothing_heavy() -> None:
    code = ("import sys\nfrom facebuild.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('boto3', 'pydantic', 'PIL', 'jinja2', 'rich', 'requests')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_console_script_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "cast.yaml").write_text("version: 1\nname: x\nvariants: {a: {size: -1}}\n")
    result = subprocess.run([sys.executable, "-m", "facebuild", "build"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("error: cast.yaml:3:")
    assert "Traceback" not in result.stderr
