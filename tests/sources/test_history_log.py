"""The history walk reads each commit's changes with one `git log` (scanner.sources.history_log): it
must find exactly what pygit2's tree diffs find, commit by commit, in the same order, and fall back to
pygit2 for whatever git does not report (no git at all, git stopping half-way, git out of step),
however the commits are shared among git processes (one per run of commits)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from scanner.sources import history_log
from scanner.sources.git import open_repo
from scanner.sources.history_log import changes, parts, shown_path
from scanner.sources.history_walk import HistoryIndex, walk
from tests.conftest import git, git_run
from tests.modes.test_git_modes import commit_file


def _both(repo: Path) -> tuple[HistoryIndex, HistoryIndex]:
    opened = open_repo(repo)
    return walk(opened, (), use_git=True), walk(opened, (), use_git=False)


def _assert_same(repo: Path) -> HistoryIndex:
    through_git, through_pygit2 = _both(repo)
    for name in ("order", "messages", "occurrences", "fresh", "removals"):
        assert getattr(through_git, name) == getattr(through_pygit2, name), name
    return through_git


def _varied_history(repo: Path) -> None:
    """Adds, changes, deletions, a mode change, a type change, a submodule, a merge (diffed against
    its first parent), an empty commit, notes, and paths git would quote."""
    commit_file(repo, "a.py", "x = 1\n")
    commit_file(repo, "dir/b.txt", "b\n")
    commit_file(repo, 'a b "q".txt', "spaces and quotes\n")
    (repo / "caf\u00e9.txt").write_text("accent\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "accent")
    (repo / "a.py").chmod((repo / "a.py").stat().st_mode | stat.S_IXUSR)
    git(repo, "add", "a.py")
    git(repo, "commit", "-q", "-m", "mode")
    (repo / "dir" / "b.txt").unlink()
    (repo / "dir" / "b.txt").symlink_to("../a.py")  # a type change: file to link
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "typechange")
    git(repo, "update-index", "--add", "--cacheinfo", "160000", "1" * 40, "sub")  # a gitlink
    git(repo, "commit", "-q", "-m", "submodule")
    git(repo, "rm", "-q", 'a b "q".txt')
    git(repo, "commit", "-q", "-m", "delete")
    git(repo, "commit", "-q", "--allow-empty", "-m", "empty")
    git(repo, "checkout", "-q", "-b", "side")
    commit_file(repo, "side.py", "s = 1\n")
    git(repo, "checkout", "-q", "main")
    commit_file(repo, "main.py", "m = 1\n")
    git(repo, "merge", "-q", "--no-edit", "side")
    git(repo, "notes", "add", "-m", "a note", "HEAD")
    git(repo, "notes", "add", "-f", "-m", "another note", "HEAD")


def test_git_and_pygit2_see_the_same_changes(repo: Path) -> None:
    _varied_history(repo)
    index = _assert_same(repo)
    paths = {path for places in index.occurrences.values() for _, path in places}
    assert {"a.py", "dir/b.txt", 'a b "q".txt', "caf\u00e9.txt", "main.py", "side.py"} <= paths
    assert any(path.startswith("(git note on ") for path in paths)
    assert "sub" not in paths  # a submodule is no blob


def test_paths_that_are_not_utf8(repo: Path) -> None:
    raw = b"x\xff\xfe.txt"
    with open(os.path.join(os.fsencode(repo), raw), "wb") as handle:
        handle.write(b"data\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "bytes")
    index = _assert_same(repo)
    (path,) = {path for places in index.occurrences.values() for _, path in places}
    assert path == "x\\xff\\xfe.txt" == shown_path(raw)


def _fake_git(tmp_path: Path, script: str) -> str:
    """A directory holding a `git` that runs `script` (sh), for PATH."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text("#!/bin/sh\n" + script)
    fake.chmod(0o755)
    return str(bin_dir)


def test_without_git_every_commit_is_diffed_by_pygit2(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _varied_history(repo)
    expected = walk(open_repo(repo), (), use_git=False)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    found = walk(open_repo(repo), (), use_git=True)
    assert found.occurrences == expected.occurrences and found.removals == expected.removals


@pytest.mark.parametrize(
    "script",
    [
        # stops half-way through its output (cut inside a commit's entries), then fails
        'real="$1"; shift; "$real" "$@" | head -c 700; exit 1\n',
        # reports the commits in another order
        'real="$1"; shift; "$real" "$@" > "$OUT"; tail -c 300 "$OUT"; cat "$OUT"\n',
        # says nothing and fails
        "exit 128\n",
        # writes something that is not git's output
        "printf 'nonsense\\0:bad\\0'\n",
        # an entry that is not one, after the first commit's real ones; exits well all the same
        'real="$1"; shift; "$real" "$@" | head -c 400; printf \'\\0\\n:1 2 3\\0p\\0\'\n',
        "printf ':1 2 3 4 A\\0p\\0'\n",  # an entry before any commit
    ],
)
def test_a_git_that_stops_or_strays_is_left_for_pygit2(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str
) -> None:
    _varied_history(repo)
    expected = walk(open_repo(repo), (), use_git=False)
    real = git_run(repo, "--exec-path").stdout.strip()
    real_git = os.path.join(real, "git") if os.path.exists(os.path.join(real, "git")) else "/usr/bin/git"
    bin_dir = _fake_git(tmp_path, script.replace('real="$1"; shift; ', f'real="{real_git}"; '))
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("OUT", str(tmp_path / "out"))
    found = walk(open_repo(repo), (), use_git=True)
    assert found.occurrences == expected.occurrences and found.removals == expected.removals
    assert found.order == expected.order


def test_changes_reports_nothing_for_no_commits(repo: Path) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    assert list(changes(str(open_repo(repo).path), [], lambda _sha, raw: shown_path(raw))) == []


def test_runs_of_commits_grow_and_cover_them_all() -> None:
    commits = [f"{n:040x}" for n in range(130)]
    runs = parts(commits, 2)
    assert [len(run) for run in runs] == [2, 8, 32, 88]
    assert [sha for run in runs for sha in run] == commits
    assert parts(commits[:1], 2) == [commits[:1]] and parts([], 2) == []


def test_several_git_processes_report_what_one_does(repo: Path) -> None:
    """Each run of commits is read from a git process of its own: the same changes, in the same order,
    wherever the runs are cut."""
    _varied_history(repo)
    opened = open_repo(repo)
    commits = list(walk(opened, (), use_git=False).order)
    git_dir = str(opened.path)

    def shown(_sha: str, raw: bytes) -> str:
        return shown_path(raw)

    one = list(changes(git_dir, commits, shown, first=len(commits)))
    assert [sha for sha, _ in one] == commits
    for first in (1, 2, 3):
        assert list(changes(git_dir, commits, shown, first=first)) == one


@pytest.mark.parametrize(
    "script",
    [
        "exit 128\n",  # fails at once
        '"$real" "$@" | head -c 300; exit 1\n',  # stops half-way, then fails
        "printf 'nonsense\\0'\n",  # writes something that is not git's output
    ],
)
def test_a_later_git_process_that_fails_leaves_the_rest_to_pygit2(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str
) -> None:
    """The first git process (one commit) reports well, the next ones (more commits) misbehave: what
    the first reported is used, and pygit2 diffs every commit from there on."""
    _varied_history(repo)
    expected = walk(open_repo(repo), (), use_git=False)
    real = git_run(repo, "--exec-path").stdout.strip()
    real_git = os.path.join(real, "git") if os.path.exists(os.path.join(real, "git")) else "/usr/bin/git"
    given = 'given="$(cat)"; if [ "$(printf \'%s\\n\' "$given" | wc -l)" -eq 1 ]; then '
    bin_dir = _fake_git(
        tmp_path,
        f'real="{real_git}"\n{given}printf \'%s\\n\' "$given" | "$real" "$@"; exit $?; fi\n'
        f"printf '%s\\n' \"$given\" | {{ {script.strip()}; }}\n",
    )
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ["PATH"])
    opened = open_repo(repo)
    reported = list(changes(str(opened.path), list(expected.order), lambda _sha, raw: shown_path(raw), 1))
    assert [sha for sha, _ in reported] == list(expected.order)[:1]  # the first run's, and no more
    monkeypatch.setattr(history_log, "FIRST_COMMITS", 1)
    found = walk(opened, (), use_git=True)
    assert found.occurrences == expected.occurrences and found.removals == expected.removals
    assert found.order == expected.order
