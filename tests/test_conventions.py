"""The conventions people bring from git and make: -C, finding the cast from a subfolder,
-q and -v on every command, a library that prints nothing, shell completion, and the
.gitignore that init writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def started(tmp_path: Path, cli: Cli) -> Path:
    """A starter cast in tmp/game, built once."""
    game = tmp_path / "game"
    assert cli("init", str(game))[0] == 0
    assert cli("build", str(game / "cast.yaml"))[0] == 0
    return game


def test_dash_c_runs_in_another_folder(tmp_path: Path, cli: Cli) -> None:
    game = tmp_path / "game"
    assert cli("-C", str(tmp_path), "init", "game")[0] == 0
    code, out, _ = cli("-C", str(game), "build")
    assert code == 0, out
    with Image.open(game / "dist/captain-mara/bust.png") as image:
        assert image.size == (256, 256)
    assert Path.cwd() == tmp_path  # in-process calls get their folder back
    assert cli("build", "-C", str(game))[:2] == (0, "building 0 outputs, 0 generations\n"
                                                   "built: 0 generated, 0 derived, 4 cached, "
                                                   "0 failed (0 renders)\n")


def test_dash_c_to_a_missing_folder_is_one_line(cli: Cli) -> None:
    code, out, err = cli("-C", "no/such/place", "build")
    assert code == 2 and out == ""
    assert err.startswith("error: -C no/such/place: ") and err.count("\n") == 1


def test_the_nearest_cast_yaml_is_found_from_a_subfolder(started: Path, cli: Cli,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    deeper = started / "art" / "refs"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    code, out, _ = cli("diff")
    assert (code, out) == (0, "4 unchanged; a build would make 0 generations\n")
    (started / "cast.yaml").write_text((started / "cast.yaml").read_text().replace(
        "red hair", "blue hair"))
    code, out, _ = cli("build", "captain-mara")
    assert code == 0 and "captain-mara/bust" in out
    assert not (deeper / "dist").exists() and not (deeper / "cast.lock").exists()


def test_no_cast_anywhere_names_the_file_to_write(cli: Cli) -> None:
    code, _, err = cli("build")
    assert code == 2
    assert err == "error: cast.yaml: no such cast file (run 'facebuild init' to write one)\n"


def test_quiet_prints_nothing_on_success_but_keeps_errors_and_answers(started: Path,
                                                                      cli: Cli) -> None:
    cast = str(started / "cast.yaml")
    (started / "cast.yaml").write_text((started / "cast.yaml").read_text().replace(
        "red hair", "green hair"))
    assert cli("build", "-q", cast) == (0, "", "")
    assert cli("-q", "diff", cast) == (0, "", "")
    code, out, _ = cli("prompts", "-q", cast, "captain-mara/bust")
    assert code == 0 and "green hair" in out  # what the command answers is kept
    code, out, err = cli("build", "-q", str(started / "nope.yaml"))
    assert (code, out) == (2, "") and err.startswith("error: ")


def test_verbose_logs_to_stderr_and_is_undone(started: Path, cli: Cli) -> None:
    code, _, err = cli("validate", "-v", str(started / "cast.yaml"))
    assert code == 0
    assert "INFO facebuild.commands.common: loaded " in err and "2 characters" in err
    code, _, err = cli("validate", str(started / "cast.yaml"))
    assert code == 0 and "INFO" not in err
    (started / "cast.yaml").write_text((started / "cast.yaml").read_text().replace(
        "red hair", "grey hair"))
    code, _, err = cli("-vv", "build", str(started / "cast.yaml"))
    assert code == 0
    assert "INFO facebuild.builder: 2 targets to write, 1 renders to make" in err
    assert "INFO facebuild.render: render captain-mara/bust (" in err and "generated in" in err
    assert "DEBUG facebuild.builder: wrote captain-mara/icon -> captain-mara/icon.png" in err


def test_the_library_prints_nothing_unless_logging_is_configured(tmp_path: Path) -> None:
    script = (
        "from facebuild import PortraitClient, WorldSpec, CharacterSpec, VariantSpec\n"
        "r = PortraitClient(store=None).generate(world=WorldSpec(context='a town', style='ink'),"
        " character=CharacterSpec(name='Ada'), variants=[VariantSpec(name='icon', size=64)])\n"
        "assert r['icon'].image.size == (64, 64)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_init_writes_a_gitignore_and_keeps_an_existing_one(tmp_path: Path, cli: Cli) -> None:
    assert cli("init", "a")[0] == 0
    assert ".facebuild/\n" in (tmp_path / "a/.gitignore").read_text()
    (tmp_path / "b").mkdir()
    (tmp_path / "b/.gitignore").write_text("*.psd")
    assert cli("init", "b")[0] == 0
    text = (tmp_path / "b/.gitignore").read_text()
    assert text.startswith("*.psd\n") and text.count(".facebuild/") == 1
    (tmp_path / "c").mkdir()
    (tmp_path / "c/.gitignore").write_text(".facebuild\n")
    code, out, _ = cli("init", "c")
    assert code == 0 and ".gitignore" not in out
    assert (tmp_path / "c/.gitignore").read_text() == ".facebuild\n"


def _complete(line: str, cwd: Path) -> list[str]:
    """What bash offers for ``line``, through the script ``facebuild completion bash``."""
    script = subprocess.run([sys.executable, "-m", "facebuild", "completion", "bash"],
                            capture_output=True, text=True, check=True).stdout
    words = line.split(" ")
    program = (
        f'{script}\n'
        f'facebuild() {{ "{sys.executable}" -m facebuild "$@"; }}\n'
        f'COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; '
        f'COMP_WORDS=({" ".join(words)}); COMP_CWORD={len(words) - 1}\n'
        '_python_argcomplete facebuild\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=60)
    return [w.strip() for w in done.stdout.splitlines() if w.strip()]


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash to complete in")
def test_bash_completes_commands_options_and_target_names(started: Path) -> None:
    if shutil.which("facebuild") is None:
        pytest.skip("the facebuild console script is not installed")
    assert _complete("facebuild bu", started) == ["build"]
    assert _complete("facebuild build --for", started) == ["--force"]
    assert _complete("facebuild build capt", started) == [
        "captain-mara", "captain-mara/bust", "captain-mara/icon"]
    (started / "cast.lock").unlink()  # before a first build: from the cast itself
    assert _complete("facebuild prompts professor-bolt/", started) == [
        "professor-bolt/bust", "professor-bolt/icon"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_for_each_shell(shell: str, cli: Cli) -> None:
    code, out, _ = cli("completion", shell)
    assert code == 0 and "facebuild" in out
    if shutil.which(shell) and shell != "fish":
        checked = subprocess.run([shell, "-n"], input=out, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr


def test_quiet_still_says_what_failed_on_stderr(cast_file: Path, cli: Cli) -> None:
    cast_file.write_text(cast_file.read_text().replace("name: Bob", "name: Bob FAIL"))
    code, out, err = cli("build", "-q")
    assert (code, out) == (1, "")
    assert "FAILED  bob/bust: the service refused this prompt" in err
    assert "generated" not in err and "built:" not in err


def test_every_reporting_command_speaks_json(cast_file: Path, cli: Cli) -> None:
    import json

    code, out, _ = cli("build", "--json")
    events = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and events[0]["event"] == "start" and events[-1]["event"] == "done"
    assert {e["target"] for e in events if e["event"] == "wrote"} >= {"tessa-quark/bust", "bob/icon"}

    code, out, _ = cli("validate", "--json")
    (result,) = json.loads(out)["casts"]
    assert code == 0 and result["ok"] and result["targets"] == 6 and result["backend"] == "counting"
    code, out, _ = cli("validate", "--json", str(cast_file), "nope.yaml")
    good, bad = json.loads(out)["casts"]
    assert code == 2 and good["ok"] and not bad["ok"] and "nope.yaml" in bad["error"]

    code, out, _ = cli("prompts", "--json", "tessa-quark/bust")
    (target,) = json.loads(out)["targets"]
    assert code == 0 and target["target"] == "tessa-quark/bust"
    assert (target["width"], target["height"]) == (512, 512)  # the size it is rendered at
    assert "Tessa Quark" in target["prompt"] and target["from"] is None

    code, out, _ = cli("explain", "--json", "dist/tessa-quark/icon.png")
    found = json.loads(out)
    assert code == 0 and found["as_built"] is True and found["entry"]["target"] == "tessa-quark/icon"

    cast_file.write_text(cast_file.read_text().replace("name: Bob", "name: Robert"))
    assert cli("build")[0] == 0  # Bob's old renders are now referred to by no lock
    code, out, _ = cli("gc", "--json", "--dry-run")
    report = json.loads(out)
    assert code == 0 and report["dry_run"] is True
    (store,) = report["stores"]
    assert store["dropped"] == 2 and store["bytes"] > 0
