"""The hooks through the real pre-commit framework (a test dependency): its own check of the manifest
(stage names, minimum_pre_commit_version), a commit and a push blocked, and `spillguard-files` printing
one report for all the files of a run (pre-commit would otherwise split them among the CPUs).

The hooks are run as `repo: local` hooks copied from .pre-commit-hooks.yaml with `language: system`, so
pre-commit runs the spillguard under test instead of building an environment from a clone (which
would install spillguard's dependencies from PyPI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import git
from tests.tokens import github_token

ROOT = Path(__file__).resolve().parents[1]
TOKEN = github_token()
pre_commit = pytest.importorskip("pre_commit")


def run(cwd: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    environment.update(
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        HOME=str(home),
        PATH=f"{Path(sys.executable).parent}:{environment['PATH']}",
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="t@example.invalid",
    )
    return subprocess.run(list(args), cwd=cwd, env=environment, capture_output=True, text=True, check=False)


@pytest.fixture()
def framework_repo(repo: Path, tmp_path: Path) -> Path:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        hook["language"] = "system"
    config = {"repos": [{"repo": "local", "hooks": hooks}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "hooks")
    return repo


def test_pre_commit_accepts_the_manifest(tmp_path: Path) -> None:
    done = run(
        ROOT, sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml", home=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_commit_and_push_are_blocked_through_the_framework(framework_repo: Path, tmp_path: Path) -> None:
    repo = framework_repo
    installed = run(
        repo,
        sys.executable,
        "-m",
        "pre_commit",
        "install",
        "-t",
        "pre-commit",
        "-t",
        "pre-push",
        home=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr
    (repo / "a.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", "a.py")
    blocked = run(repo, "git", "commit", "-q", "-m", "token", home=tmp_path)
    assert blocked.returncode != 0 and "commit blocked: 1 secret found" in blocked.stdout + blocked.stderr
    assert TOKEN not in blocked.stdout + blocked.stderr
    committed = run(repo, "git", "commit", "-q", "--no-verify", "-m", "token", home=tmp_path)
    assert committed.returncode == 0
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    pushed = run(repo, "git", "push", "-q", "origin", "main", home=tmp_path)
    assert pushed.returncode != 0 and "push blocked: 1 secret found" in pushed.stdout + pushed.stderr


def test_spillguard_files_prints_one_report_for_every_file(framework_repo: Path, tmp_path: Path) -> None:
    repo = framework_repo
    for number in range(40):
        token = github_token(rng=__import__("random").Random(number))
        (repo / f"f{number:02}.py").write_text(f"t = '{token}'\n")
    git(repo, "add", "-A")
    done = run(
        repo, sys.executable, "-m", "pre_commit", "run", "spillguard-files", "--all-files", home=tmp_path
    )
    assert done.returncode == 1
    summaries = [line for line in done.stdout.splitlines() if " findings in " in line]
    assert summaries == [summaries[0]] and summaries[0].startswith("40 findings in 41 files"), done.stdout
