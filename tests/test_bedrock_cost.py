"""Never spend money by surprise: cost in diff and build, --max-cost, the question on a
terminal, the end-of-life warning, and a killed Bedrock build that resumes without paying
again."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from fake_bedrock import FakeBedrock, fake_fixture  # noqa: F401

CAST = """\
version: 1
name: Cost
world: {{style: brass and teal, negative: blurry}}
backend: {{name: bedrock, model: {model}, region: {region}, retry_base_delay: 0.001}}
seed: 7
{extra}
variants:
  bust: {{size: 256, frame: Head and shoulders}}
  icon: {{size: 64, from: bust}}
characters:
{people}
"""


def write_cast(tmp_path: Path, *, model: str = "core", region: str = "us-west-2",
               people: int = 2, extra: str = "") -> Path:
    lines = "".join(f"  - {{id: p{i}, name: Person {i}, description: person number {i}}}\n"
                    for i in range(people))
    path = tmp_path / "cast.yaml"
    path.write_text(CAST.format(model=model, region=region, extra=extra, people=lines))
    return path


def test_diff_and_build_say_what_it_costs(fake: FakeBedrock, tmp_path: Path, cli) -> None:
    write_cast(tmp_path)
    code, out, _ = cli("diff")
    assert ("4 new; a build would make 2 generations, estimated $0.08 on "
            "stability.stable-image-core-v1:1") in out
    code, out, _ = cli("build", "--output-format", "plain")
    assert code == 0
    assert out.splitlines()[0] == "building 4 outputs, 2 generations (estimated $0.08)"
    assert out.splitlines()[-1].endswith("(2 renders; spent $0.08, estimated $0.08)")
    assert fake.calls and len(fake.calls) == 2
    import json

    lock = json.loads((tmp_path / "cast.lock").read_text())["targets"]
    assert lock["p0/bust"]["price"] == 0.04
    assert lock["p0/bust"]["render"]["model"] == "stability.stable-image-core-v1:1"


def test_max_cost_refuses_before_any_call(fake: FakeBedrock, tmp_path: Path, cli) -> None:
    write_cast(tmp_path, people=5)
    code, _, err = cli("build", "--max-cost", "0.10")
    assert code == 2
    assert ("this build would make 5 paid generations with stability.stable-image-core-v1:1 at "
            "$0.040 each, estimated $0.20, over the limit of $0.10") in err
    assert fake.calls == []
    write_cast(tmp_path, people=5, extra="max_cost: 0.05")
    code, _, err = cli("build")
    assert code == 2 and "over the limit of $0.05" in err
    assert fake.calls == []
    code, _, _ = cli("build", "--max-cost", "1")  # the flag overrides the cast
    assert code == 0
    assert len(fake.calls) == 5


def test_the_summary_says_what_was_spent_apart_from_the_estimate(
        fake: FakeBedrock, tmp_path: Path, cli) -> None:
    path = write_cast(tmp_path)
    path.write_text(path.read_text().replace("person number 1", "a FORBIDDEN person"))
    code, out, _ = cli("build", "--output-format", "plain")
    assert code == 1  # the filtered render failed: it was estimated, not made
    assert out.splitlines()[-1].endswith("(1 renders; spent $0.04, estimated $0.08)")
    code, out, _ = cli("build", "--output-format", "json")
    import json

    done = json.loads(out.splitlines()[-1])
    assert (done["spent"], done["cost"]) == (0.0, 0.04)  # the retried render filtered again


def test_end_of_life_model_is_named(fake: FakeBedrock, tmp_path: Path, cli,
                                    monkeypatch) -> None:
    write_cast(tmp_path, model="nova", region="us-east-1")
    code, _, err = cli("diff")  # the account says: past its end of life
    assert code == 2 and "amazon.nova-canvas-v1:0 reached its end of life on 2026-09-30" in err
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", "http://127.0.0.1:9")  # unreachable
    code, out, err = cli("diff")
    assert code == 0 and "checked against facebuild's catalogue only" in err
    assert "warning: amazon.nova-canvas-v1:0 is end-of-life" in out
    code, out, _ = cli("validate")
    assert "warning: amazon.nova-canvas-v1:0 is end-of-life" in out
    assert fake.calls == []


def run_on_a_terminal(args: list[str], cwd: Path, answer: bytes) -> tuple[int, str]:
    """Run facebuild with a pseudo-terminal as stdin and stdout; answer its question."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "facebuild", *args], cwd=cwd,
                            stdin=follower, stdout=follower, stderr=follower, env=os.environ)
    os.close(follower)
    output = b""
    answered = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if not answered and b"Go ahead? [y/N]" in output:
                os.write(leader, answer)
                answered = True
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=30)
    os.close(leader)
    return code, output.decode(errors="replace")


def test_a_terminal_is_asked_before_spending_over_the_threshold(fake: FakeBedrock,
                                                                 tmp_path: Path) -> None:
    write_cast(tmp_path, people=3)
    code, out = run_on_a_terminal(["build", "--confirm-over", "0.10"], tmp_path, b"n\n")
    assert "This build makes 3 paid generations, estimated $0.12. Go ahead? [y/N]" in out
    assert code == 2
    assert fake.calls == []
    code, out = run_on_a_terminal(["build", "--confirm-over", "0.10"], tmp_path, b"y\n")
    assert code == 0, out
    assert len(fake.calls) == 3


def test_a_killed_build_pays_again_for_nothing_it_finished(fake: FakeBedrock,
                                                           tmp_path: Path) -> None:
    write_cast(tmp_path, people=8, extra="")
    fake.delay = 0.15
    command = [sys.executable, "-m", "facebuild", "build", "--yes", "--output-format", "plain"]
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(list((tmp_path / ".facebuild" / "store").glob("*/*.png"))) < 3:
        assert time.monotonic() < deadline, "the build stored nothing"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = len(list((tmp_path / ".facebuild" / "store").glob("*/*.png")))
    calls_before = len(fake.calls)
    fake.delay = 0.0
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(fake.calls) - calls_before == 8 - stored
    assert len(list((tmp_path / "dist").glob("*/*.png"))) == 16
