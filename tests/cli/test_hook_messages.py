"""What the hooks tell the user to do: a blocked push says that a new commit deleting the secret does not
unblock it, and how to rewrite the commits not pushed yet (followed here to the letter, with real git)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Invoke, git, git_run
from tests.modes.test_git_modes import commit_file
from tests.tokens import github_token

TOKEN = github_token()


def test_blocked_push_says_how_to_rewrite_the_unpushed_commits(
    repo: Path, tmp_path: Path, run_cli: Invoke
) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    commit_file(repo, "a.py", "x = 1\n")
    assert run_cli("install-hook", "--stage", "pre-push", cwd=repo).exit_code == 0
    assert git_run(repo, "push", "-q", "-u", "origin", "main").returncode == 0
    added = commit_file(repo, "b.py", f"t = '{TOKEN}'\n", "add b")
    commit_file(repo, "c.py", "y = 2\n", "add c")
    blocked = git_run(repo, "push", "-q", "origin", "main")
    assert blocked.returncode != 0
    assert "A new commit that deletes it does not unblock the push" in blocked.stderr
    assert (
        f"git rebase -i {added[:12]}^" in blocked.stderr and "git reset --soft @{upstream}" in blocked.stderr
    )
    assert "remove it from the files" not in blocked.stderr  # the commit-stage advice, wrong here
    # what the message warns about: deleting the secret in a new commit still pushes the old one
    commit_file(repo, "b.py", "t = None\n", "remove the token")
    assert git_run(repo, "push", "-q", "origin", "main").returncode != 0
    # what it says to do instead: redo the unpushed commits without the secret
    git(repo, "reset", "-q", "--soft", "@{upstream}")
    git(repo, "commit", "-q", "-m", "b and c, without the token")
    assert git_run(repo, "push", "-q", "origin", "main").returncode == 0
    assert TOKEN not in git(repo, "log", "-p", "origin/main")


def test_blocked_commit_keeps_the_commit_stage_advice(repo: Path, run_cli: Invoke) -> None:
    (repo / "b.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", "b.py")
    result = run_cli("hook", cwd=repo)
    assert (
        result.exit_code == 1 and "rotate it (`spillguard rules explain github.pat-classic`)" in result.stderr
    )
    assert "git rebase" not in result.stderr


def test_framework_pre_push_of_a_whole_history_is_scanned(repo: Path, run_cli: Invoke, monkeypatch) -> None:
    """pre-commit's pre-push of a history down to its root commit (a first push) sets no FROM/TO refs,
    only the branch: every commit not yet on a remote-tracking branch is scanned, not the (empty) index."""
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "b.py", "x = 1\n")
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", "origin")
    monkeypatch.setenv("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main")
    result = run_cli("hook", cwd=repo)
    assert result.exit_code == 1 and "push blocked: 1 secret found" in result.stderr
