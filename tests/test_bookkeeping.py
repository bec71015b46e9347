"""The record of what facebuild made (cast.lock, dist/manifest.json, dist state) survives
a moved output, a lock that cannot be written and a reader of stdout that goes away."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def test_changing_only_the_output_path_moves_the_files(cast_file: Path, cli, counting) -> None:
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    edited = dist / "bob" / "bust.png"
    edited.write_bytes(edited.read_bytes() + b"retouched")
    cast_file.write_text(cast_file.read_text().replace(
        "seed: 7\n", "seed: 7\noutput: '{variant}/{character}.{format}'\n"))
    code, out, _ = cli("diff")
    assert "changed    tessa-quark/bust  (output path)" in out
    assert "6 changed; a build would make 0 generations" in out
    calls = len(counting.calls)
    code, out, err = cli("build")
    assert code == 0, out + err
    assert len(counting.calls) == calls  # the stored renders are used again
    assert sorted(files(dist)) == ["bob/bust.png",  # edited by hand: kept, and said so
                                   "bust/bob.png", "bust/tessa-quark.png", "full/bob.png",
                                   "full/tessa-quark.png", "icon/bob.png", "icon/tessa-quark.png"]
    assert edited.read_bytes().endswith(b"retouched")
    assert not (dist / "tessa-quark").exists()
    assert "the old file bob/bust.png was edited by hand: kept" in out
    lock = json.loads((cast_file.parent / "cast.lock").read_text())["targets"]
    assert lock["bob/full"]["file"] == "full/bob.png"
    code, out, _ = cli("build")
    assert "0 generated, 0 derived, 6 cached" in out and "kept" not in out


def files(dist: Path) -> list[str]:
    own = {"manifest.json", "index.html", "contact-sheet.png"}
    return [p.relative_to(dist).as_posix() for p in dist.rglob("*")
            if p.is_file() and p.name not in own]


SKETCH_CAST = """\
version: 1
name: Pipes
variants:
  bust: {size: 96, frame: Head and shoulders}
  icon: {size: 32, from: bust}
characters:
"""


def sketch_cast(folder: Path, characters: int) -> Path:
    people = "".join(f"  - {{id: person-{i}, name: Person {i}, description: number {i}}}\n"
                     for i in range(characters))
    path = folder / "cast.yaml"
    path.write_text(SKETCH_CAST + people)
    return path


def facebuild(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "facebuild", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "HOME": str(cwd)})


def test_a_closed_stdout_skips_no_bookkeeping(tmp_path: Path) -> None:
    sketch_cast(tmp_path, 12)
    reader = subprocess.Popen([sys.executable, "-m", "facebuild", "build", "--output-format", "json"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    first = json.loads(reader.stdout.readline())
    reader.stdout.close()  # as `| head -1` does, while the build still has 24 outputs to report
    errors = reader.stderr.read().decode()
    reader.stderr.close()
    assert reader.wait(timeout=120) == 0, errors
    assert first["event"] == "start" and errors == ""
    lock = json.loads((tmp_path / "cast.lock").read_text())["targets"]
    assert len(lock) == 24
    manifest = json.loads((tmp_path / "dist" / "manifest.json").read_text())["files"]
    assert len(manifest) == 24
    again = facebuild("build", "--output-format", "plain", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 generated, 0 derived, 24 cached" in again.stdout and "kept" not in again.stdout


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """No file can be made in ``folder`` (its sub-folders stay writable): mode 555, or for
    root, who writes anywhere, the immutable attribute."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        try:
            yield
        finally:
            os.chmod(folder, 0o755)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)]).returncode:
        pytest.skip("cannot make a folder read-only for root here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_lock_that_cannot_be_written_keeps_the_journal(tmp_path: Path, cli) -> None:
    """With a read-only cast folder the outputs are written, the lock is not: one line,
    and the next build (folder writable again) records them as facebuild's own."""
    sketch_cast(tmp_path, 2)
    (tmp_path / "dist").mkdir()
    (tmp_path / ".facebuild").mkdir()
    with read_only(tmp_path):
        code, out, err = cli("build", "--output-format", "plain")
        assert code == 2, out + err
        assert err.count("\n") == 1 and "cannot write" in err
        assert "cast.lock" in err and "journal.jsonl" in err
        assert len(files(tmp_path / "dist")) == 4 and not (tmp_path / "cast.lock").exists()
        assert (tmp_path / ".facebuild" / "journal.jsonl").exists()
        code, out, err = cli("build", "--output-format", "plain")  # still read-only
        assert code == 2 and "kept" not in out and "cannot write" in err
    code, out, err = cli("build", "--output-format", "plain")
    assert code == 0, out + err
    assert "kept" not in out and "0 generated, 0 derived, 4 cached" in out
    assert len(json.loads((tmp_path / "cast.lock").read_text())["targets"]) == 4
    assert not (tmp_path / ".facebuild" / "journal.jsonl").exists()
