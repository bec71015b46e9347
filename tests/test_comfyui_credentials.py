"""Credentials in server URLs (``http://admin:pw@host``) never reach an error, a warning,
``.facebuild/uptodate.json`` or ``facebuild.log``; the log lives under the cast's folder."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CAST
from fake_comfyui import FakeComfyUI

from facebuild.commands import run_command
from facebuild.urls import mask_argv, mask_url

SECRET = "hunter2"


@pytest.fixture
def server() -> Iterator[FakeComfyUI]:
    fake = FakeComfyUI(job_time=0.01).start()
    yield fake
    fake.stop()


def with_password(url: str) -> str:
    return url.replace("http://", f"http://admin:{SECRET}@")


def test_mask_url_and_argv() -> None:
    assert mask_url("http://admin:pw@gpu-1:8188/x?y=1") == "http://***@gpu-1:8188/x?y=1"
    assert mask_url("https://token@gpu") == "https://***@gpu"
    assert mask_url("http://gpu:8188") == "http://gpu:8188"
    assert mask_argv(["build", "--api-url", "http://a:b@h", "--token", "t0k", "--password=pw",
                      "AWS_SECRET_ACCESS_KEY=abc", "cast.yaml"]) == [
        "build", "--api-url", "http://***@h", "--token", "***", "--password=***",
        "AWS_SECRET_ACCESS_KEY=***", "cast.yaml"]


def test_unreachable_server_error_masks_the_password(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "cast.yaml").write_text(CAST.replace("backend: {name: counting}\n", ""))
    code, out, err = cli("build", "--backend", "comfyui", "--api-url",
                         with_password("http://127.0.0.1:9"))
    assert code == 2
    assert "http://***@127.0.0.1:9 is unreachable" in err
    assert SECRET not in out + err


def test_bad_url_option_masks_the_password(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "cast.yaml").write_text(CAST.replace("backend: {name: counting}\n", ""))
    code, out, err = cli("build", "--backend", "comfyui", "--api-url", "ftp://admin:hunter2@gpu")
    assert code == 2 and "ftp://***@gpu" in err and SECRET not in out + err


def test_the_up_to_date_stamp_masks_the_password(server: FakeComfyUI, tmp_path: Path, cli: Any) -> None:
    (tmp_path / "cast.yaml").write_text(CAST.replace("backend: {name: counting}\n", ""))
    url = with_password(server.url)
    for _ in range(2):
        code, out, err = cli("build", "--backend", "comfyui", "--api-url", url)
        assert code == 0, out + err
        assert SECRET not in out + err
    stamp = tmp_path / ".facebuild" / "uptodate.json"
    assert stamp.is_file()
    assert SECRET not in stamp.read_text() and "***@127.0.0.1" in stamp.read_text()
    code, out, _ = cli("build", "--backend", "comfyui", "--api-url", url)
    assert code == 0 and "0 generated" in out  # the masked stamp still makes a no-op


def test_internal_error_log_goes_to_the_cast_folder_with_argv_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "cast.yaml").write_text(CAST)
    argv = ["facebuild", "explain", "--api-url", with_password("http://gpu:8188"),
            "--token", "t0k3n", str(project / "cast.yaml")]
    monkeypatch.setattr(sys, "argv", argv)
    # an explain run handed no path: a bug for the handler to catch, not a user mistake
    args = argparse.Namespace(command="explain", path=None, cast=str(project / "cast.yaml"))
    assert run_command(args) == 3
    err = capsys.readouterr().err
    log = project / ".facebuild" / "facebuild.log"
    assert f"details in {log}" in err
    assert not (tmp_path / ".facebuild" / "facebuild.log").exists()
    text = log.read_text()
    assert "explain --api-url http://***@gpu:8188 --token *** " in text
    assert "Traceback" in text
    assert SECRET not in text and "t0k3n" not in text and SECRET not in err
