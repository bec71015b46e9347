"""The CI recipe and the pre-commit hook, run as a team would: a fixture repository with
a base branch and a pull request, the recipe's commands in their order, and
``pre-commit try-repo`` against this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from s3server import CREDENTIALS, new_bucket, objects, s3_server

RECIPE = REPO / "examples" / "ci" / "github-actions.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@localhost",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@localhost"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout


def _runs(job: dict[str, Any]) -> list[str]:
    """The shell steps of a job, in order, without the install step (facebuild is here)."""
    return [step["run"] for step in job["steps"]
            if "run" in step and not step["run"].startswith("pip install")]


def _run_step(command: str, repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    bin_dir = str(Path(sys.executable).parent)
    full = {**os.environ, **env, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-e", "-c", command], cwd=repo, env=full,
                          capture_output=True, text=True, timeout=300)


def test_the_recipe_parses_and_triggers_on_pull_requests_and_main() -> None:
    recipe = yaml.safe_load(RECIPE.read_text())
    triggers = recipe[True]  # YAML 1.1 reads the key `on` as true, as GitHub's parser does not
    assert set(triggers) == {"pull_request", "push"} and triggers["push"]["branches"] == ["main"]
    review, build = recipe["jobs"]["review"], recipe["jobs"]["build"]
    assert _runs(review) == [
        'facebuild validate "$CAST"',
        'facebuild diff "$CAST" --base "origin/$GITHUB_BASE_REF" --html review.html',
        'facebuild diff "$CAST" --exit-code',
    ]
    assert any(step.get("uses", "").startswith("actions/upload-artifact") and
               step["with"]["path"] == "review.html" for step in review["steps"])
    assert review["steps"][0]["with"]["fetch-depth"] == 0
    assert _runs(build)[0].startswith('facebuild build "$CAST" --yes --max-cost ')


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("facebuild") is None,
                    reason="needs git and the facebuild console script")
def test_the_recipe_runs_on_a_fixture_repository(tmp_path: Path, cli: Any) -> None:
    recipe = yaml.safe_load(RECIPE.read_text())
    origin, repo = tmp_path / "origin.git", tmp_path / "game"
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    assert cli("init", str(repo))[0] == 0
    _git(repo, "init", "-q", "-b", "main")
    env = {"CAST": "cast.yaml", "GITHUB_BASE_REF": "main"}
    with s3_server() as endpoint:
        # main: the build job, with the recipe's shared store (its bucket on a local S3)
        bucket = new_bucket(endpoint)
        store = recipe["env"]["FACEBUILD_STORE"].replace("my-studio-renders", bucket)
        shared = {**env, **CREDENTIALS, "FACEBUILD_STORE": store,
                  "FACEBUILD_STORE_ENDPOINT_URL": endpoint}
        for command in _runs(recipe["jobs"]["build"]):
            done = _run_step(command, repo, shared)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
        assert len(objects(endpoint, bucket)) == 2  # the two busts, for every machine after
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "cast")
    _git(repo, "remote", "add", "origin", str(origin))
    _git(repo, "push", "-q", "origin", "main")
    # a pull request that changes one character and forgets to build
    _git(repo, "checkout", "-q", "-b", "blue-hair")
    cast = repo / "cast.yaml"
    cast.write_text(cast.read_text().replace("red hair", "blue hair"))
    _git(repo, "commit", "-q", "-am", "Mara's hair")
    validate, review, stale = _runs(recipe["jobs"]["review"])
    assert _run_step(validate, repo, env).returncode == 0
    done = _run_step(review, repo, env)
    assert done.returncode == 0, done.stderr
    page = (repo / "review.html").read_text()
    assert "captain-mara/bust" in page and "professor-bolt/bust" not in page
    done = _run_step(stale, repo, env)
    assert done.returncode == 1 and "changed" in done.stdout  # dist/ is stale: the check fails
    # the author builds and commits: the check passes
    assert _run_step('facebuild build "$CAST"', repo, env).returncode == 0
    assert _run_step(stale, repo, env).returncode == 0


def test_the_hook_is_declared_for_cast_files() -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text())
    assert hook["id"] == "facebuild-validate" and hook["entry"] == "facebuild validate"
    import re

    files = re.compile(hook["files"])
    assert files.search("cast.yaml") and files.search("art/npcs/cast.yml")
    assert not files.search("podcast.yaml") and not files.search("cast.yaml.bak")


@pytest.mark.skipif(shutil.which("pre-commit") is None or shutil.which("git") is None,
                    reason="needs pre-commit (the test extras) and git")
def test_pre_commit_try_repo_validates_cast_files(tmp_path: Path, cli: Any) -> None:
    """``pre-commit try-repo`` installs facebuild from this checkout into its own
    environment (from the package index) and runs the hook on a repository's casts."""
    repo = tmp_path / "game"
    assert cli("init", str(repo))[0] == 0
    (repo / "broken").mkdir()
    (repo / "broken/cast.yaml").write_text("version: 1\nname: Broken\ncharcters: []\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["pre-commit", "try-repo", str(REPO), "facebuild-validate",
                           "--all-files"], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # the broken cast fails the commit
    assert "broken/cast.yaml:3:1: charcters: unknown key 'charcters'" in output
    assert "cast.yaml: ok — 2 characters, 2 variants, 4 targets" in output  # the other passes
