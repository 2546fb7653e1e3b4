"""Staged, range and hook modes against real temporary git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Invoke, git, git_run
from tests.tokens import aws_access_key_id, github_token

TOKEN = github_token()
OTHER = github_token("gho_")


def commit_file(repo: Path, name: str, text: str, message: str = "change") -> str:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def findings(result_stdout: str) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["rule_id"]) for f in json.loads(result_stdout)["findings"]]


def test_staged_on_unborn_branch(repo: Path, run_cli: Invoke) -> None:
    (repo / "a.py").write_text(f"x = 1\nt = '{TOKEN}'\n")
    git(repo, "add", "a.py")
    result = run_cli("scan", "--staged", "-f", "json", "-q", cwd=repo)
    assert result.exit_code == 1
    assert findings(result.stdout) == [("a.py", 2, "github.pat-classic")]


def test_staged_reports_only_added_lines_with_real_numbers(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", f"old = '{OTHER}'\n" + "x = 1\n" * 5)
    (repo / "a.py").write_text(f"old = '{OTHER}'\n" + "x = 1\n" * 5 + f"t = '{TOKEN}'\n")
    git(repo, "add", "a.py")
    result = run_cli("scan", "--staged", "-f", "json", "-q", cwd=repo)
    assert findings(result.stdout) == [("a.py", 7, "github.pat-classic")]
    every = run_cli("scan", "--staged", "--all-lines", "-f", "json", "-q", cwd=repo)
    assert findings(every.stdout) == [
        ("a.py", 1, "github.oauth-access-token"),
        ("a.py", 7, "github.pat-classic"),
    ]


def test_partially_staged_file_is_judged_by_the_index(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    (repo / "a.py").write_text("x = 1\nclean = 2\n")
    git(repo, "add", "a.py")
    (repo / "a.py").write_text(f"x = 1\nclean = 2\nt = '{TOKEN}'\n")  # not staged
    result = run_cli("scan", "--staged", cwd=repo)
    assert result.exit_code == 0
    (repo / "b.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", "b.py")
    (repo / "b.py").write_text("t = 'gone from the work tree'\n")
    result = run_cli("scan", "--staged", "-f", "json", "-q", cwd=repo)
    assert findings(result.stdout) == [("b.py", 1, "github.pat-classic")]


def test_staged_deletion_rename_binary_and_submodule(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "old.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "gone.py", "x = 1\n")
    git(repo, "mv", "old.py", "new.py")
    git(repo, "rm", "-q", "gone.py")
    (repo / "blob.bin").write_bytes(b"\0\1" + TOKEN.encode())
    git(repo, "add", "blob.bin")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},vendor/lib")
    result = run_cli("scan", "--staged", "-f", "json", "-q", cwd=repo)
    assert result.exit_code == 0, result.output  # a pure rename adds no lines
    assert json.loads(result.stdout)["stats"]["skipped_binary"] == 1


def test_staged_never_touches_index_or_work_tree(repo: Path, run_cli: Invoke) -> None:
    (repo / "a.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", "a.py")
    before = (repo / ".git" / "index").read_bytes(), git(repo, "status", "--porcelain")
    run_cli("scan", "--staged", cwd=repo)
    assert ((repo / ".git" / "index").read_bytes(), git(repo, "status", "--porcelain")) == before


def test_range_reports_commit_author_and_message(repo: Path, run_cli: Invoke) -> None:
    base = commit_file(repo, "a.py", "x = 1\n")
    commit_file(repo, "a.py", f"x = 1\nt = '{TOKEN}'\n")
    git(repo, "commit", "-q", "--allow-empty", "-m", f"rotate key {aws_access_key_id()}")
    result = run_cli("scan", "--range", f"{base}..HEAD", "-f", "json", "-q", cwd=repo)
    assert result.exit_code == 1
    data = json.loads(result.stdout)["findings"]
    assert [(f["path"], f["line"], f["rule_id"]) for f in data] == [
        ("(commit message)", 1, "aws.access-key-id"),
        ("a.py", 2, "github.pat-classic"),
    ]
    assert all(f["author"] == "Test <t@example.invalid>" and len(f["commit"]) == 40 for f in data)
    since = run_cli("scan", "--since", base, "-f", "json", "-q", cwd=repo)
    assert since.stdout == result.stdout


def merge_resolved_with_secret(repo: Path) -> tuple[str, str]:
    """Two branches change a.py in conflict; the merge commit resolves it by adding TOKEN.
    Returns (the commit before the branches, the merge commit)."""
    base = commit_file(repo, "a.py", "x = 1\n")
    git(repo, "checkout", "-q", "-b", "side")
    commit_file(repo, "a.py", "x = 2\n")
    git(repo, "checkout", "-q", "main")
    commit_file(repo, "a.py", "x = 3\n")
    git_run(repo, "merge", "-q", "side")  # conflicts, resolved below
    (repo / "a.py").write_text(f"x = '{TOKEN}'\n")
    git(repo, "add", "a.py")
    git(repo, "commit", "-q", "--no-edit")
    return base, git(repo, "rev-parse", "HEAD").strip()


def test_range_merge_resolution_is_scanned(repo: Path, run_cli: Invoke) -> None:
    base, _merge = merge_resolved_with_secret(repo)
    result = run_cli("scan", "--range", f"{base}..HEAD", "-f", "json", "-q", cwd=repo)
    assert findings(result.stdout) == [("a.py", 1, "github.pat-classic")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--range", "nope..HEAD"), "unknown revision 'nope'"),
        (("--since", "v9"), "unknown revision 'v9'"),
        # (the history's commits are sorted in a thread while the rules load: it fails silently there)
        (("--history", "--branch", "nope"), "unknown revision 'nope'"),
    ],
)
def test_bad_revisions_exit_2(repo: Path, run_cli: Invoke, args: tuple[str, ...], message: str) -> None:
    commit_file(repo, "a.py", "x\n")
    result = run_cli("scan", *args, cwd=repo)
    assert result.exit_code == 2 and message in result.output
    assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output


@pytest.mark.parametrize("mode", ["--staged", "--history"])
def test_not_a_repository_exits_2(tmp_path: Path, run_cli: Invoke, mode: str) -> None:
    result = run_cli("scan", mode, cwd=tmp_path)
    assert result.exit_code == 2 and "not inside a git repository" in result.output


def test_modes_cannot_be_combined(repo: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--staged", ".", cwd=repo)
    assert result.exit_code == 2 and "cannot be combined" in result.output
    result = run_cli("scan", "--all-lines", cwd=repo)
    assert result.exit_code == 2 and "--all-lines goes with --staged" in result.output


def test_shallow_clone_missing_base_says_fetch_depth(repo: Path, tmp_path: Path, run_cli: Invoke) -> None:
    first = commit_file(repo, "a.py", "1\n")
    commit_file(repo, "a.py", "2\n")
    commit_file(repo, "a.py", "3\n")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    result = run_cli("scan", "--range", f"{first}..HEAD", cwd=clone)
    assert result.exit_code == 2 and "fetch-depth: 0" in result.output


def test_hook_pre_push_range_from_environment(
    repo: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = commit_file(repo, "a.py", "x\n")
    head = commit_file(repo, "b.py", f"t = '{TOKEN}'\n")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", head)
    result = run_cli("hook", cwd=repo)
    assert result.exit_code == 1
    assert "push blocked: 1 secret found" in result.output and "b.py:1:6" in result.output
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", head)
    assert run_cli("hook", cwd=repo).exit_code == 0
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "0" * 40)  # a new branch: all not on a remote
    assert run_cli("hook", cwd=repo).exit_code == 1


def _commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return git_run(repo, "commit", "-q", "-m", "m", *args)


def test_native_hook_blocks_a_real_commit(repo: Path, run_cli: Invoke) -> None:
    result = run_cli("install-hook", cwd=repo)
    assert result.exit_code == 0
    hook = repo / ".git" / "hooks" / "pre-commit"
    assert sys.executable in hook.read_text()
    (repo / "clean.py").write_text("x = 1\n")
    git(repo, "add", "clean.py")
    assert _commit(repo).returncode == 0
    (repo / "clean.py").write_text(f"x = 1\nt = '{TOKEN}'\n")
    git(repo, "add", "clean.py")
    blocked = _commit(repo)
    assert blocked.returncode == 1
    assert "commit blocked: 1 secret found" in blocked.stderr
    assert "clean.py:2:6" in blocked.stderr and TOKEN not in blocked.stderr
    assert "--no-verify" in blocked.stderr and "spillguard:allow" in blocked.stderr
    assert _commit(repo, "--no-verify").returncode == 0


def test_native_hook_judges_commit_a(repo: Path, run_cli: Invoke) -> None:
    """`git commit -a` stages into a temporary index (GIT_INDEX_FILE): that is what is judged."""
    run_cli("install-hook", cwd=repo)
    (repo / "a.py").write_text("x = 1\n")
    git(repo, "add", "a.py")
    assert _commit(repo).returncode == 0
    (repo / "a.py").write_text(f"t = '{TOKEN}'\n")
    assert _commit(repo, "-a").returncode == 1


def test_install_hook_refuses_foreign_hook(repo: Path, run_cli: Invoke) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho mine\n")
    result = run_cli("install-hook", cwd=repo)
    assert result.exit_code == 2 and "already exists; use --force" in result.output
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    assert run_cli("install-hook", "--force", cwd=repo).exit_code == 0
    assert "spillguard" in hook.read_text()
    assert run_cli("install-hook", cwd=repo).exit_code == 0  # its own hook is replaced freely


def test_staged_blob_over_max_size_is_counted(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    (repo / "big.txt").write_text("y\n" * 3000 + f"t = '{TOKEN}'\n")
    git(repo, "add", "big.txt")
    result = run_cli("scan", "--staged", "--max-file-size", "1K", "-f", "json", "-q", cwd=repo)
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["stats"]["skipped_too_large"] == 1


def test_commit_with_many_files(repo: Path, run_cli: Invoke) -> None:
    for n in range(10_000):
        (repo / f"f{n:05}.txt").write_text(f"line {n}\n")
    (repo / "f09999.txt").write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", ".")
    result = run_cli("scan", "--staged", "-f", "json", "-q", cwd=repo)
    data = json.loads(result.stdout)
    assert data["stats"]["files_scanned"] == 10_000
    assert [f["path"] for f in data["findings"]] == ["f09999.txt"]
    git(repo, "commit", "-q", "-m", "many")
    history = run_cli("scan", "--history", "--no-cache", "-f", "json", "-q", cwd=repo)
    assert [f["path"] for f in json.loads(history.stdout)["findings"]] == ["f09999.txt"]


def test_staged_scan_during_a_merge_conflict(repo: Path, run_cli: Invoke) -> None:
    """An unmerged path has no staged content yet (git will not commit it): it is named in a notice,
    not reported as a corrupted object; resolved paths are scanned as usual."""
    commit_file(repo, "a.py", "x = 1\n")
    git(repo, "checkout", "-q", "-b", "side")
    commit_file(repo, "a.py", "x = 2\n")
    git(repo, "checkout", "-q", "main")
    commit_file(repo, "a.py", "x = 3\n")
    git_run(repo, "merge", "-q", "side")  # conflicts
    (repo / "b.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", "b.py")
    result = run_cli("scan", "--staged", "-f", "json", "-q", cwd=repo)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert [f["path"] for f in data["findings"]] == ["b.py"]
    (notice,) = data["notices"]
    assert notice["path"] == "a.py" and notice["message"].startswith("unmerged")
    assert "corrupted" not in result.output


def test_files_hook_entry_as_pre_commit_runs_it(repo: Path) -> None:
    """The `spillguard-files` hook: its entry with the file names appended, as pre-commit runs it."""
    import yaml

    hooks = yaml.safe_load((Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text())
    entry = next(h for h in hooks if h["id"] == "spillguard-files")["entry"].split()
    executable = Path(sys.executable).parent / entry[0]
    commit_file(repo, "clean.py", "x = 1\n")
    commit_file(repo, "conf/leak.py", f"t = '{TOKEN}'\n")
    run = [str(executable), *entry[1:]]
    found = subprocess.run([*run, "clean.py", "conf/leak.py"], cwd=repo, capture_output=True, text=True)
    assert found.returncode == 1 and "conf/leak.py:1:6" in found.stdout and TOKEN not in found.stdout
    clean = subprocess.run([*run, "clean.py"], cwd=repo, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_native_hook_from_a_linked_worktree(repo: Path, tmp_path: Path, run_cli: Invoke) -> None:
    """A linked worktree shares the main repository's hooks: the hook goes there and blocks commits in
    either work tree."""
    commit_file(repo, "a.py", "x = 1\n")
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "side", str(worktree))
    assert run_cli("install-hook", cwd=worktree).exit_code == 0
    assert (repo / ".git" / "hooks" / "pre-commit").is_file()
    (worktree / "b.py").write_text(f"t = '{TOKEN}'\n")
    git(worktree, "add", "b.py")
    assert _commit(worktree).returncode == 1


def test_native_hook_honours_core_hooks_path(repo: Path, run_cli: Invoke) -> None:
    git(repo, "config", "core.hooksPath", ".githooks")
    result = run_cli("install-hook", cwd=repo)
    assert result.exit_code == 0 and "installed" in result.output
    assert (repo / ".githooks" / "pre-commit").is_file()
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    (repo / "b.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", "b.py")
    assert _commit(repo).returncode == 1


def test_staged_in_a_bare_repository_is_an_error(repo: Path, tmp_path: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    result = run_cli("scan", "--staged", cwd=bare)
    assert result.exit_code == 2 and "a bare repository has no index" in result.output
    assert run_cli("scan", "--history", "--no-cache", cwd=bare).exit_code == 1  # history works there


def test_native_pre_push_hook_blocks_a_real_push(repo: Path, tmp_path: Path, run_cli: Invoke) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    commit_file(repo, "a.py", "x = 1\n")
    result = run_cli("install-hook", "--stage", "pre-push", cwd=repo)
    assert result.exit_code == 0 and (repo / ".git" / "hooks" / "pre-push").is_file()
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    assert git_run(repo, "push", "-q", "origin", "main").returncode == 0  # a new branch, clean
    commit_file(repo, "b.py", f"t = '{TOKEN}'\n")
    blocked = git_run(repo, "push", "-q", "origin", "main")
    assert blocked.returncode != 0 and "push blocked: 1 secret found" in blocked.stderr
    assert "b.py:1:6" in blocked.stderr and TOKEN not in blocked.stderr
    assert "`git push --no-verify` skips this check; the secret then reaches the remote." in blocked.stderr
    git(repo, "checkout", "-q", "-b", "feature")  # a new branch holding the same commit: also blocked
    assert "push blocked" in git_run(repo, "push", "-q", "origin", "feature").stderr
    git(repo, "checkout", "-q", "main")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    commit_file(repo, "b.py", "t = os.environ['T']\n")
    assert git_run(repo, "push", "-q", "origin", "main").returncode == 0
    assert git_run(repo, "push", "-q", "origin", "main:tmp").returncode == 0
    assert git_run(repo, "push", "-q", "origin", ":tmp").returncode == 0  # a deletion pushes no commit
    both = run_cli("install-hook", "--stage", "pre-commit", "--stage", "pre-push", cwd=repo)
    assert both.exit_code == 0 and (repo / ".git" / "hooks" / "pre-commit").is_file()


def test_pre_push_over_a_remote_tip_this_clone_lacks(
    repo: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A force push over commits never fetched: the remote sha is unknown here, so every commit not yet
    on a remote-tracking branch is scanned instead of failing on an unknown revision."""
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "1" * 40)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", git(repo, "rev-parse", "HEAD").strip())
    result = run_cli("hook", cwd=repo)
    assert result.exit_code == 1 and "push blocked: 1 secret found" in result.stderr


@pytest.mark.parametrize("mode", ["staged", "all-lines", "range", "history"])
def test_long_added_text_is_scanned_in_windows_at_its_real_place(
    repo: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Windows made tiny: what a long added line holds is found once, at its line and column."""
    from scanner.sources import windows

    monkeypatch.setattr(windows, "WINDOW", 4096)
    monkeypatch.setattr(windows, "MARGIN", 256)
    commit_file(repo, "a.py", "x = 1\n" * 3)
    filler = "abc; " * 2000
    line = f"{filler}t = '{TOKEN}'; {filler}t2 = '{OTHER}'"
    (repo / "a.py").write_text("x = 1\n" * 3 + line + "\n")
    git(repo, "add", "a.py")
    if mode in ("staged", "all-lines"):
        args = ["--staged", *(["--all-lines"] if mode == "all-lines" else [])]
    else:
        git(repo, "commit", "-q", "-m", "long line")
        args = ["--range", "HEAD~1..HEAD"] if mode == "range" else ["--history", "--no-cache"]
    result = run_cli("scan", *args, "-f", "json", "-q", cwd=repo)
    assert result.exit_code == 1, result.output
    found = [(f["line"], f["column"], f["rule_id"]) for f in json.loads(result.stdout)["findings"]]
    assert found == [
        (4, line.index(TOKEN) + 1, "github.pat-classic"),
        (4, line.index(OTHER) + 1, "github.oauth-access-token"),
    ]
