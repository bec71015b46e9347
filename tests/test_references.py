"""Reference edges in the build graph, on the offline sketch backend and a recording
backend: order, errors with file:line, what a change re-renders, reverts, kills."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lockfile import lock_targets
from PIL import Image
from test_kill import RUNNER

from facebuild.backends import Capabilities, RenderRequest, register_backend
from facebuild.cli import main

CAST = """\
version: 1
name: Refs
backend: {{name: {backend}}}
seed: 3
variants:
  bust: {{size: 96, frame: Head and shoulders portrait}}
  icon: {{size: 32, from: bust}}
  full: {{size: 160, frame: Full body, reference: bust, seed: 99{extra}}}
characters:
  - {{id: tessa, name: Tessa, description: a smuggler}}
  - {{id: zil, name: Zil, description: an alien captain}}
  - {{id: ada, name: Ada, description: a botanist}}
"""


def write(tmp_path: Path, backend: str = "sketch", extra: str = "", text: str | None = None) -> str:
    path = tmp_path / "cast.yaml"
    path.write_text(text if text is not None else CAST.format(backend=backend, extra=extra))
    return str(path)


def lock(tmp_path: Path) -> dict[str, Any]:
    return lock_targets(tmp_path)


class Recorder:
    """A backend that records each call (label and the reference image it was given)."""

    calls: list[tuple[str, bytes | None]] = []
    mutex = threading.Lock()
    name = "recorder"

    def __init__(self, options: Any, base_dir: Path) -> None:
        pass

    @classmethod
    def from_options(cls, options: Any, base_dir: Path) -> Recorder:
        return cls(options, base_dir)

    def capabilities(self) -> Capabilities:
        return Capabilities("recorder", "rec-1", None, None, 0, 2**31, 0.0, 4, 16, 4096)

    def identity(self, request: RenderRequest) -> dict[str, Any]:
        return {}

    def render_size(self, w: int, h: int) -> tuple[int, int]:
        return (w, h)

    def check(self, request: RenderRequest) -> list[str]:
        return []

    def preflight(self) -> None: ...
    def cancel(self) -> None: ...
    def close(self) -> None: ...

    def generate(self, request: RenderRequest, progress: Any = None) -> bytes:
        time.sleep(0.02)
        ref = request.reference
        with self.mutex:
            self.calls.append((request.label, ref.image if ref is not None else None))
        out = io.BytesIO()
        shade = (request.seed * 37) % 256
        Image.new("RGB", (request.width, request.height), (shade, 40, 90)).save(out, "PNG")
        return out.getvalue()


@pytest.fixture
def recorder() -> type[Recorder]:
    register_backend("recorder", Recorder)
    Recorder.calls = []
    return Recorder


def store_file(tmp_path: Path, key: str) -> bytes:
    return (tmp_path / ".facebuild" / "store" / key[:2] / f"{key}.png").read_bytes()


def test_renders_run_in_dependency_order_each_given_its_reference(
        tmp_path: Path, recorder: type[Recorder]) -> None:
    cast = write(tmp_path, "recorder")
    assert main(["build", cast, "--output-format", "plain", "--jobs", "4"]) == 0
    order = [label for label, _ in recorder.calls]
    assert sorted(order) == sorted(f"{c}/{v}" for c in ("tessa", "zil", "ada") for v in ("bust", "full"))
    entries = lock(tmp_path)
    for character in ("tessa", "zil", "ada"):
        assert order.index(f"{character}/bust") < order.index(f"{character}/full")
        given = dict(recorder.calls)[f"{character}/full"]
        assert given == store_file(tmp_path, entries[f"{character}/bust"]["render_key"])
        assert dict(recorder.calls)[f"{character}/bust"] is None
        reference = entries[f"{character}/full"]["render"]["reference"]
        assert reference == {"render_key": entries[f"{character}/bust"]["render_key"], "strength": 0.5}


def test_a_changed_bust_re_renders_exactly_its_dependants_and_a_revert_costs_nothing(
        tmp_path: Path, recorder: type[Recorder], capsys: pytest.CaptureFixture[str]) -> None:
    cast = write(tmp_path, "recorder")
    assert main(["build", cast, "--output-format", "plain"]) == 0
    before = lock(tmp_path)
    original = Path(cast).read_text()
    Path(cast).write_text(original.replace("description: a smuggler}",
                                           "description: a smuggler, seeds: {bust: 5}}"))
    capsys.readouterr()
    assert main(["diff", cast]) == 0
    out = capsys.readouterr().out
    assert any(line.split()[:2] == ["changed", "tessa/full"] and line.endswith("(reference)")
               for line in out.splitlines()), out
    assert main(["diff", cast, "--json"]) == 0
    report = {t["target"]: t for t in json.loads(capsys.readouterr().out)["targets"]}
    assert report["tessa/full"]["reasons"] == ["reference"]
    assert report["tessa/full"]["depends_on"] == "tessa/bust"
    assert report["tessa/bust"]["depends_on"] is None
    changed = sorted(n for n, t in report.items() if t["status"] != "unchanged")
    assert changed == ["tessa/bust", "tessa/full", "tessa/icon"]
    recorder.calls = []
    assert main(["build", cast, "--output-format", "plain"]) == 0
    assert sorted(label for label, _ in recorder.calls) == ["tessa/bust", "tessa/full"]
    after = lock(tmp_path)
    assert {n for n in after if after[n]["render_key"] != before[n]["render_key"]} == {
        "tessa/bust", "tessa/icon", "tessa/full"}
    recorder.calls = []
    Path(cast).write_text(original)  # revert: every render is in the store
    assert main(["build", cast, "--output-format", "plain"]) == 0
    assert recorder.calls == []
    assert lock(tmp_path) == before


@pytest.mark.parametrize(("variants", "line", "words"), [
    ("  a: {size: 64, reference: b}\n  b: {size: 64, reference: a}\n", 5, "cycle: a -> b -> a"),
    ("  a: {size: 64}\n  b: {size: 64, reference: bsut}\n", 6, "unknown variant 'bsut'"),
    ("  a: {size: 64}\n  i: {size: 32, from: a}\n  b: {size: 64, reference: i}\n", 7,
     "a derived variant"),
    ("  a: {size: 64}\n  b: {size: 64, from: a, reference: a}\n", 6, "derived"),
])
def test_bad_references_are_one_line_with_file_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], variants: str, line: int,
        words: str) -> None:
    cast = write(tmp_path, text="version: 1\nname: Bad\nseed: 1\nvariants:\n" + variants
                 + "characters:\n  - {id: x, name: X}\n")
    for command in (["build", cast], ["diff", cast], ["validate", cast]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert f"cast.yaml:{line}:" in err and words in err, err
        assert "Traceback" not in err
    assert not (tmp_path / "dist").exists()


def test_reference_files_stay_inside_the_casts_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cast"
    folder.mkdir()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(tmp_path / "outside.png")
    (folder / "link.png").symlink_to(tmp_path / "outside.png")
    for given in ("../outside.png", str(tmp_path / "outside.png"), "link.png", "missing.png"):
        cast = write(folder, text="version: 1\nname: F\nvariants:\n  bust: {size: 64}\n"
                     f"characters:\n  - id: x\n    name: X\n    reference: '{given}'\n")
        assert main(["build", cast]) == 2
        err = capsys.readouterr().err
        assert "cast.yaml:8:" in err and "reference" in err, err
    assert not (folder / "dist").exists()


def test_a_reference_file_is_hashed_into_the_key(tmp_path: Path) -> None:
    (tmp_path / "refs").mkdir()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(tmp_path / "refs" / "x.png")
    cast = write(tmp_path, text="version: 1\nname: F\nvariants:\n  bust: {size: 64}\n"
                 "  full: {size: 96, reference: bust}\n"
                 "characters:\n  - {id: x, name: X, reference: refs/x.png}\n  - {id: y, name: Y}\n")
    assert main(["build", cast, "--output-format", "plain"]) == 0
    first = lock(tmp_path)
    assert set(first["x/bust"]["render"]["reference"]) == {"sha256", "strength"}
    assert "reference" not in first["y/bust"]["render"]
    Image.new("RGB", (64, 64), (10, 200, 10)).save(tmp_path / "refs" / "x.png")
    assert main(["build", cast, "--output-format", "plain"]) == 0
    second = lock(tmp_path)
    moved = {n for n in second if second[n]["render_key"] != first[n]["render_key"]}
    assert moved == {"x/bust", "x/full"}  # the file's change flows down the edge, no further


def colours(path: Path) -> Counter[tuple[int, int, int]]:
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        return Counter(zip(*(iter(rgb.tobytes()),) * 3, strict=False))  # type: ignore[arg-type]


def figure_palette(path: Path, skip: int = 2) -> set[tuple[int, int, int]]:
    """The most used colours of a portrait after the backdrop's, quantised coarsely."""
    common = [c for c, n in colours(path).most_common(12)]
    return {(r // 16, g // 16, b // 16) for r, g, b in common[skip:]}


def test_sketch_keeps_the_referenced_person_across_the_edge(tmp_path: Path) -> None:
    """The full body has its own pinned seed (99, for every character): without the edge each
    full body is one person; with it, each character's own person from its bust."""
    with_ref, without = tmp_path / "with", tmp_path / "without"
    with_ref.mkdir()
    without.mkdir()
    assert main(["build", write(with_ref), "-q"]) == 0
    assert main(["build", write(without, text=CAST.format(backend="sketch", extra="")
                                .replace(", reference: bust", "")), "-q"]) == 0
    people = {}
    for character in ("tessa", "zil", "ada"):
        with Image.open(with_ref / "dist" / character / "full.png") as full:
            people[character] = full.info.get("sketch:identity")
        with Image.open(without / "dist" / character / "full.png") as full:
            assert full.size == (160, 160)
    raw = lock(with_ref)
    for character in ("tessa", "zil", "ada"):
        bust = Image.open(io.BytesIO(store_file(with_ref, raw[f"{character}/bust"]["render_key"])))
        full = Image.open(io.BytesIO(store_file(with_ref, raw[f"{character}/full"]["render_key"])))
        assert full.info["sketch:identity"] == bust.info["sketch:identity"]
    # pixels: without the edge every full body is the same person (one pinned seed), with it
    # three different people, each drawn in its bust's colours
    plain = [colours(without / "dist" / c / "full.png") for c in ("tessa", "zil", "ada")]
    assert plain[0] == plain[1] == plain[2]
    drawn = [colours(with_ref / "dist" / c / "full.png") for c in ("tessa", "zil", "ada")]
    assert drawn[0] != drawn[1] and drawn[1] != drawn[2] and drawn[0] != drawn[2]
    for character in ("tessa", "zil", "ada"):
        bust_rgb = figure_palette(with_ref / "dist" / character / "bust.png")
        full_rgb = figure_palette(with_ref / "dist" / character / "full.png")
        other_rgb = figure_palette(without / "dist" / character / "full.png")
        assert len(bust_rgb & full_rgb) > len(bust_rgb & other_rgb), character


def test_explain_prints_the_chain_down_to_the_prompt_and_seed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cast = write(tmp_path)
    assert main(["build", cast, "-q"]) == 0
    capsys.readouterr()
    assert main(["explain", str(tmp_path / "dist" / "tessa" / "full.png")]) == 0
    out = capsys.readouterr().out
    chain = [line for line in out.splitlines() if line.startswith("from:")]
    assert len(chain) == 1 and "tessa/bust" in chain[0]
    bust = lock(tmp_path)["tessa/bust"]["render"]
    assert f"seed {bust['seed']}" in out and bust["prompt"] in out
    assert main(["explain", "--json", str(tmp_path / "dist" / "tessa" / "full.png")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [link["target"] for link in data["chain"]] == ["tessa/bust"]




def test_a_build_killed_mid_graph_resumes_without_paying_twice(tmp_path: Path) -> None:
    people = "".join(f"  - {{id: p{i}, name: P{i}}}\n" for i in range(8))
    (tmp_path / "cast.yaml").write_text(
        "version: 1\nname: K\nbackend: {name: slow}\nvariants:\n  bust: {size: 64}\n"
        "  full: {size: 96, reference: bust}\n  pose: {size: 80, reference: full}\n"
        f"characters:\n{people}")
    (tmp_path / "runner.py").write_text(RUNNER)
    log = tmp_path / "generated.log"
    command = [sys.executable, "runner.py", str(log), "build", "--jobs", "2", "-q"]
    slow = {**os.environ, "SLOW_SECONDS": "0.15"}  # the image service of tests/test_kill.py
    for wanted in (5, 11):  # killed after this many renders in all, mid-graph
        proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=slow)
        deadline = time.monotonic() + 60
        while not log.exists() or len(log.read_text().splitlines()) < wanted:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    killed = log.read_text().splitlines()
    assert len(set(killed)) < 24  # killed mid-graph
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=slow)
    assert done.returncode == 0, done.stderr
    lines = log.read_text().splitlines()
    paid = Counter(lines)
    # at most the renders in flight at each kill (2 workers) were paid twice
    assert sum(n - 1 for n in paid.values()) <= 4
    assert set(paid) == {f"p{i}/{v}" for i in range(8) for v in ("bust", "full", "pose")}
    for i in range(8):  # every chain rendered in order in the last run too
        order = [line for line in lines if line.startswith(f"p{i}/")]
        firsts = [order.index(f"p{i}/{v}") for v in ("bust", "full", "pose")]
        assert firsts == sorted(firsts)


def test_graph_draws_the_reference_edge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cast = write(tmp_path)
    capsys.readouterr()
    assert main(["graph", cast, "tessa"]) == 0
    text = capsys.readouterr().out.splitlines()
    renders = [line for line in text if line.startswith("  render ")]
    assert len(renders) == 2
    bust_key = renders[0].split()[1]
    assert renders[1].endswith(f"(from render {bust_key}: reference, strength 0.5)")
    assert main(["graph", cast, "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert dot.count('[style=bold, label="reference, strength 0.5"]') == 3
    assert main(["graph", cast, "zil", "--format", "mermaid"]) == 0
    assert 'r1 ==>|"reference, strength 0.5"| r2' in capsys.readouterr().out


def test_the_examples_use_references(tmp_path: Path) -> None:
    import shutil

    from conftest import EXAMPLES

    for name in ("moon-hard-lemonade", "ember-vale"):
        shutil.copytree(EXAMPLES / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("dist", ".facebuild", "*.lock"))
        assert main(["build", str(tmp_path / name / "cast.yaml"), "-q"]) == 0
    moon = lock(tmp_path / "moon-hard-lemonade")
    characters = {name.split("/")[0] for name in moon}
    for character in characters:  # every full body is rendered from its character's bust
        reference = moon[f"{character}/full"]["render"]["reference"]
        assert reference == {"render_key": moon[f"{character}/bust"]["render_key"], "strength": 0.55}
    ember = lock(tmp_path / "ember-vale")
    with_file = sorted(n for n, e in ember.items() if "reference" in e["render"])
    assert with_file == ["lysa/card", "lysa/portrait", "lysa/token"]
    with Image.open(EXAMPLES / "ember-vale" / "refs" / "lysa.png") as concept:
        person = concept.info["sketch:identity"]
    for variant in ("portrait", "card"):  # Lysa is the person of her concept art
        raw = store_file(tmp_path / "ember-vale", ember[f"lysa/{variant}"]["render_key"])
        assert Image.open(io.BytesIO(raw)).info["sketch:identity"] == person


def test_a_reference_path_with_personal_data_is_refused_unechoed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "refs").mkdir()
    name = "refs/jane.doe@example.com.png"
    Image.new("RGB", (64, 64), (200, 10, 10)).save(tmp_path / name)
    cast = write(tmp_path, text="version: 1\nname: F\nvariants:\n  bust: {size: 64}\n"
                 f"characters:\n  - {{id: x, name: X, reference: '{name}'}}\n")
    assert main(["build", cast]) == 2
    err = capsys.readouterr().err
    assert "cast.yaml:6:" in err and "personal data" in err and "jane.doe" not in err
    assert not (tmp_path / "cast.lock").exists()
