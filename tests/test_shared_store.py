"""The shared store on S3, against moto's server over real HTTP on loopback: each "machine"
is a folder with its own clone of the cast and its own local store."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CAST, CountingBackend
from moto.server import ThreadedMotoServer
from s3server import (
    CREDENTIALS,
    CuttingProxy,
    client,
    new_bucket,
    objects,
    s3_server,
    start_server,
    stop,
)
from slowbuild import command

from facebuild.backends import RenderRequest, register_backend

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture
def bucket(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FACEBUILD_STORE_ENDPOINT_URL", endpoint)
    return new_bucket(endpoint)


def machine(tmp_path: Path, name: str, store: str | None) -> Path:
    """A clone of the cast on one machine; returns its cast file."""
    folder = tmp_path / name
    folder.mkdir()
    cast = folder / "cast.yaml"
    cast.write_text(CAST + (f"store: {store}\n" if store else ""))
    return cast


def dist_files(cast: Path) -> dict[str, bytes]:
    dist = cast.parent / "dist"
    return {p.relative_to(dist).as_posix(): p.read_bytes() for p in sorted(dist.rglob("*.png"))
            if p.name != "contact-sheet.png"}


def test_a_render_made_on_one_machine_is_fetched_on_another(tmp_path, cli, counting, bucket,
                                                          endpoint) -> None:
    url = f"s3://{bucket}/team/renders"
    a = machine(tmp_path, "a", url)
    assert cli("build", str(a))[0] == 0
    assert len(counting.calls) == 4  # bust and full for two characters; icons are derived
    remote = objects(endpoint, bucket)
    assert len(remote) == 4 and all(k.startswith("team/renders/") for k in remote)
    s3 = client(endpoint)
    for name in remote:
        answer = s3.get_object(Bucket=bucket, Key=name)
        assert answer["Metadata"]["sha256"] == hashlib.sha256(answer["Body"].read()).hexdigest()
    b = machine(tmp_path, "b", url)
    counting.calls.clear()
    code, out, _ = cli("diff", str(b))
    assert code == 0 and "a build would make 0 generations" in out
    code, out, err = cli("build", str(b))
    assert code == 0, out + err
    assert counting.calls == []
    assert dist_files(b) == dist_files(a)
    assert len(list((b.parent / ".facebuild/store").glob("*/*.png"))) == 4  # the local cache


def test_the_store_flag_and_variable_choose_the_shared_store(tmp_path, cli, counting, bucket,
                                                            monkeypatch) -> None:
    url = f"s3://{bucket}"
    a = machine(tmp_path, "a", None)
    assert cli("build", str(a), "--store", url)[0] == 0
    b = machine(tmp_path, "b", None)
    monkeypatch.setenv("FACEBUILD_STORE", url)
    counting.calls.clear()
    assert cli("build", str(b))[0] == 0
    assert counting.calls == [] and dist_files(b) == dist_files(a)
    code, _, err = cli("build", str(b), "--force", "--store", "ftp://somewhere/else")
    assert code == 2 and "only folders and s3://bucket/prefix URLs" in err


def test_a_bad_remote_object_is_ignored_reported_and_replaced(tmp_path, cli, counting, bucket,
                                                             endpoint) -> None:
    url = f"s3://{bucket}/x"
    a = machine(tmp_path, "a", url)
    assert cli("build", str(a))[0] == 0
    s3 = client(endpoint)
    name = next(k for k in objects(endpoint, bucket))
    original = s3.get_object(Bucket=bucket, Key=name)
    sha = original["Metadata"]["sha256"]
    good = original["Body"].read()
    s3.put_object(Bucket=bucket, Key=name, Body=good[: len(good) // 2], Metadata={"sha256": sha})
    b = machine(tmp_path, "b", url)
    counting.calls.clear()
    code, out, err = cli("build", str(b), "--output-format", "plain")
    assert code == 0, out + err
    warnings = [line for line in out.splitlines() if line.startswith("warning")]
    assert len(warnings) == 1 and "does not match the sha256 it carries" in warnings[0], out
    assert len(counting.calls) == 1  # only the bad one is rendered again
    assert dist_files(b) == dist_files(a)
    assert s3.get_object(Bucket=bucket, Key=name)["Body"].read() == good  # replaced


def test_gc_remote_is_a_dry_run_until_yes(tmp_path, cli, counting, bucket, endpoint) -> None:
    url = f"s3://{bucket}/p"
    a = machine(tmp_path, "a", url)
    assert cli("build", str(a))[0] == 0
    before = objects(endpoint, bucket)
    a.write_text(a.read_text().replace("  - id: bob\n    name: Bob\n    role: Cook\n"
                                       "    description: Round cook with a beard.\n", ""))
    assert cli("build", str(a))[0] == 0
    code, out, _ = cli("gc", str(a), "--remote")
    assert code == 0 and out.startswith(f"{url}: would drop 2 render(s)") and "--yes" in out
    assert objects(endpoint, bucket) == before
    code, out, _ = cli("gc", str(a), "--remote", "--yes")
    assert code == 0 and out.startswith(f"{url}: dropped 2 render(s)")
    after = objects(endpoint, bucket)
    assert len(after) == 2 and set(after) < set(before)
    b = machine(tmp_path, "b", url)
    b.write_text(a.read_text())
    counting.calls.clear()
    assert cli("build", str(b))[0] == 0
    assert counting.calls == []  # what the lock needs is still there


def test_gc_remote_needs_a_shared_store(cast_file, cli) -> None:
    code, _, err = cli("gc", "--remote")
    assert code == 2 and len(err.splitlines()) == 1 and "has no shared store" in err


def test_a_network_failure_fails_only_the_targets_it_touches(tmp_path, cli, counting,
                                                             monkeypatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    server, endpoint = start_server()
    monkeypatch.setenv("FACEBUILD_STORE_ENDPOINT_URL", endpoint)
    try:
        url = f"s3://{new_bucket(endpoint)}"
        a = machine(tmp_path, "a", url)
        assert cli("build", str(a))[0] == 0
        b = machine(tmp_path, "b", url)
        assert cli("build", str(b), "tessa-quark")[0] == 0  # its renders are now cached on b
    finally:
        stop(server)
    counting.calls.clear()
    code, out, err = cli("build", str(b), "--output-format", "plain")
    assert code == 1, out + err
    failed = sorted(line.split()[1].rstrip(":") for line in out.splitlines()
                    if line.strip().startswith("FAILED"))
    assert failed == ["bob/bust", "bob/full", "bob/icon"], out
    assert f"shared store {url}: cannot fetch render" in out and endpoint not in out
    assert "Traceback" not in out + err and counting.calls == []  # nothing paid blind
    assert sorted(dist_files(b)) == ["tessa-quark/bust.png", "tessa-quark/full.png",
                                     "tessa-quark/icon.png"]


def test_two_machines_needing_the_same_render_pay_once(tmp_path, bucket, endpoint) -> None:
    url = f"s3://{bucket}/ci"
    log = tmp_path / "generations.log"
    env = {**os.environ, "SLOW_LOG": str(log), "SLOW_SECONDS": "2.0"}
    casts = [machine(tmp_path, name, url) for name in ("job1", "job2")]
    jobs = []
    for cast in casts:  # the second starts while the first is rendering
        jobs.append(subprocess.Popen(command(TESTS, "build", str(cast), "--output-format", "plain"),
                                     cwd=cast.parent, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True))
        deadline = time.monotonic() + 60
        while not log.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    outputs = [job.communicate(timeout=120) for job in jobs]
    for job, (out, err) in zip(jobs, outputs, strict=True):
        assert job.returncode == 0, out + err
    generations = log.read_text().splitlines()
    assert len(generations) == 4, generations  # four distinct renders, each paid once
    assert dist_files(casts[0]) == dist_files(casts[1])
    assert not [k for k in objects(endpoint, bucket) if "/claims/" in k]  # all released


def test_boto3_is_imported_only_for_a_shared_store(tmp_path) -> None:
    code = ("import sys; from facebuild.cli import main; main(['init', '.']); main(['build']); "
            "print('boto3' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("False"), done.stderr


def test_a_killed_upload_leaves_no_object_and_its_claim_expires(tmp_path, cli, counting, bucket,
                                                                endpoint, monkeypatch) -> None:
    url = f"s3://{bucket}/k"
    proxy = CuttingProxy(endpoint)
    a = machine(tmp_path, "a", url)
    env = {**os.environ, "SLOW_LOG": str(tmp_path / "log"), "SLOW_SECONDS": "0",
           "FACEBUILD_STORE_ENDPOINT_URL": proxy.endpoint}
    job = subprocess.Popen(command(TESTS, "build", str(a), "--jobs", "1"), cwd=a.parent, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proxy.cut.wait(60), job.communicate(timeout=60)
        time.sleep(0.3)  # the headers and the first bytes of the body are at the server
        job.kill()
        job.communicate(timeout=30)
    finally:
        proxy.close()
    time.sleep(0.3)
    names = objects(endpoint, bucket)
    assert not [name for name in names if name.endswith(".png")], names
    assert len([name for name in names if "/claims/" in name]) == 1  # the dead machine's
    # another machine waits for that claim to expire, takes it over and pays for the render
    monkeypatch.setenv("FACEBUILD_STORE_CLAIM_SECONDS", "2")
    b = machine(tmp_path, "b", url)
    started = time.monotonic()
    code, out, err = cli("build", str(b))
    assert code == 0, out + err
    assert len(counting.calls) == 4 and time.monotonic() - started > 1.0
    renders = {name: size for name, size in objects(endpoint, bucket).items()
               if name.endswith(".png")}
    assert len(renders) == 4
    assert not [name for name in objects(endpoint, bucket) if "/claims/" in name]


class CutOffBackend(CountingBackend):
    """An image service on a machine whose link to S3 goes down while Carol is drawn."""

    server: ThreadedMotoServer | None = None

    def generate(self, request: RenderRequest, progress: Any = None) -> bytes:
        if "Carol" in request.prompt and CutOffBackend.server is not None:
            stop(CutOffBackend.server)
            CutOffBackend.server = None
        return super().generate(request, progress)


def test_s3_lost_mid_build_fails_only_the_upload_and_the_next_build_sends_it(
        tmp_path, cli, counting, monkeypatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    server, endpoint = start_server()
    monkeypatch.setenv("FACEBUILD_STORE_ENDPOINT_URL", endpoint)
    url = f"s3://{new_bucket(endpoint)}"
    a = machine(tmp_path, "a", url)
    assert cli("build", str(a))[0] == 0
    b = machine(tmp_path, "b", url)
    b.write_text(b.read_text().replace(
        "characters:\n", "characters:\n  - id: carol\n    name: Carol\n    role: Pilot\n"
        "    description: Tall pilot.\n", 1))
    register_backend("counting", CutOffBackend)
    CutOffBackend.server = server
    counting.calls.clear()
    code, out, err = cli("build", str(b), "--jobs", "1", "--output-format", "plain")
    assert code == 1, out + err
    failed = sorted(line.strip() for line in out.splitlines() if line.strip().startswith("FAILED"))
    assert [line.split()[1] for line in failed] == ["carol/bust:", "carol/full:", "carol/icon:"]
    assert failed[0].startswith(f"FAILED  carol/bust: shared store {url}: cannot upload render")
    assert "kept on this machine" in failed[0] and endpoint not in out
    assert "Traceback" not in out + err
    assert len(counting.calls) == 1  # carol's bust, paid once; the others came from S3
    assert len(dist_files(b)) == 6  # tessa's and bob's outputs
    # the link is back, on the same port (moto keeps its buckets in this process)
    again, _ = start_server(int(endpoint.rsplit(":", 1)[1]))
    try:
        register_backend("counting", CountingBackend)
        counting.calls.clear()
        code, out, err = cli("build", str(b), "--output-format", "plain")
        assert code == 0, out + err
        assert [c.label for c in counting.calls] == ["carol/full"]  # the bust is not paid again
        assert len([k for k in objects(endpoint, url[5:]) if k.endswith(".png")]) == 6
        assert len(dist_files(b)) == 9
    finally:
        stop(again)
