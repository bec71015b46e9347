"""Credentials and regions through boto3's standard chain, with moto standing in for AWS.

moto's bedrock-runtime answers ``{}`` to every call: the backend must say so in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_bedrock import isolate_aws
from moto import mock_aws

from facebuild.backends.base import RenderRequest
from facebuild.backends.bedrock import BedrockBackend
from facebuild.backends.bedrock.client import NO_CREDENTIALS
from facebuild.errors import BackendError

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"


@pytest.fixture
def aws_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    isolate_aws(monkeypatch, str(tmp_path))
    (tmp_path / "config").write_text("[profile studio]\nregion = eu-west-1\n")
    (tmp_path / "credentials").write_text(
        f"[studio]\naws_access_key_id = AKIASTUDIOSTUDIO0000\naws_secret_access_key = {SECRET}\n"
    )
    return tmp_path


def test_profile_gives_credentials_and_region_and_moto_empty_answer_is_clear(
    aws_home: Path,
) -> None:
    with mock_aws():
        backend = BedrockBackend.from_options({"model": "nova", "profile": "studio"}, aws_home)
        try:
            backend.preflight()
            client = backend._client
            assert client.meta.region_name == "eu-west-1"
            assert client.meta.endpoint_url == "https://bedrock-runtime.eu-west-1.amazonaws.com"
            assert client.meta.config.read_timeout >= 300
            with pytest.raises(BackendError) as caught:
                backend.generate(RenderRequest("a knight", "", 1, 1024, 1024))
        finally:
            backend.close()
    assert str(caught.value) == "amazon.nova-canvas-v1:0 answered without an image (response keys: none)"
    assert backend.stats.calls == 1
    assert SECRET not in str(caught.value) and "AKIASTUDIO" not in str(caught.value)


def test_missing_credentials_is_one_line_with_the_fix(aws_home: Path) -> None:
    backend = BedrockBackend.from_options({}, aws_home)
    with pytest.raises(BackendError) as caught:
        backend.preflight()
    assert (
        str(caught.value)
        == NO_CREDENTIALS
        == (
            "no AWS credentials found: run `aws configure`, or `aws sso login --profile NAME` and set "
            "backend.profile, or set AWS_PROFILE"
        )
    )
    assert caught.value.__context__ is None  # nothing chained under it


@pytest.mark.parametrize("where", ["cast", "env"])
def test_unknown_profile_is_one_line(aws_home: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    if where == "env":
        monkeypatch.setenv("AWS_PROFILE", "ghost")
    options = {"profile": "ghost"} if where == "cast" else {}
    with pytest.raises(BackendError) as caught:
        BedrockBackend.from_options(options, aws_home).preflight()
    assert str(caught.value) == (
        "AWS profile 'ghost' is not in ~/.aws/config or ~/.aws/credentials: create it with "
        "`aws configure --profile ghost` (or `aws configure sso`), or fix backend.profile / AWS_PROFILE"
    )


def test_partial_credentials_are_named(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAONLYTHEKEY000000")
    with pytest.raises(BackendError) as caught:
        BedrockBackend.from_options({}, aws_home).preflight()
    assert str(caught.value) == (
        "cannot load AWS credentials: Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"
    )
