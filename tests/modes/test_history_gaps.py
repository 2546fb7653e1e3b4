"""A history audit never claims more than it read: a shallow clone is an error unless --allow-shallow;
with it, and with a partial clone, a grafts file or replace refs, the audit says on stderr, in the JSON
stats and in SARIF (a warning notification) that history is incomplete and how to fetch it. Git notes
are scanned like commit messages."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from scanner.modes.history_cache import CACHE_FILE
from tests.conftest import Invoke, git
from tests.sarif_schema import sarif_schema_validator
from tests.tokens import github_token

RNG = random.Random(21)
TOKENS = [github_token(rng=RNG) for _ in range(5)]


@pytest.fixture()
def origin(repo: Path) -> Path:
    """Five commits that each add a token and then remove it: only history holds them."""
    for number, token in enumerate(TOKENS):
        (repo / f"f{number}.py").write_text(f"T = '{token}'\n")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", f"add {number}")
        (repo / f"f{number}.py").write_text("T = None\n")
        git(repo, "commit", "-qam", f"remove {number}")
    return repo


def shallow_clone(origin: Path, tmp_path: Path) -> Path:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", origin.as_uri(), str(clone))
    return clone


def json_audit(run_cli: Invoke, cwd: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("scan", "--history", "--no-cache", "-f", "json", *args, cwd=cwd)
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_shallow_clone_is_an_error_that_says_how_to_fetch(
    origin: Path, tmp_path: Path, run_cli: Invoke
) -> None:
    clone = shallow_clone(origin, tmp_path)
    result = run_cli("scan", "--history", cwd=clone)
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith("spillguard: error: ") and "a shallow clone" in line
    assert "git fetch --unshallow" in line and "fetch-depth: 0" in line and "--allow-shallow" in line
    baseline = run_cli("baseline", "create", "--history", cwd=clone)
    assert baseline.exit_code == 2 and not (clone / ".spillguard-baseline.json").exists()


def test_allow_shallow_reports_an_incomplete_history_everywhere(
    origin: Path, tmp_path: Path, run_cli: Invoke
) -> None:
    clone = shallow_clone(origin, tmp_path)
    code, data, stderr = json_audit(run_cli, clone, "--allow-shallow")
    assert code == 0 and data["findings"] == []  # what the depth-1 clone holds is clean
    assert data["stats"]["history_complete"] is False
    (gap,) = data["stats"]["history_gaps"]
    assert gap.startswith("a shallow clone: the commits behind 1 boundary commit are not in it")
    assert stderr.splitlines()[0] == f"spillguard: warning: history is incomplete: {gap}"
    sarif = run_cli("scan", "--history", "--no-cache", "--allow-shallow", "-f", "sarif", "-q", cwd=clone)
    log = json.loads(sarif.stdout)
    sarif_schema_validator().validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    (note,) = invocation["toolExecutionNotifications"]
    assert note.get("level", "warning") == "warning"  # SARIF's default level for a notification
    assert note["message"]["text"] == f"History is incomplete: {gap}"
    text = run_cli("scan", "--history", "--no-cache", "--allow-shallow", cwd=clone)
    assert f"HISTORY INCOMPLETE: {gap}" in text.stdout
    git(clone, "fetch", "-q", "--unshallow")
    code, data, stderr = json_audit(run_cli, clone)
    assert code == 1 and len(data["findings"]) == 5 and "warning" not in stderr
    assert data["stats"]["history_complete"] is True and data["stats"]["history_gaps"] == []


def test_an_incomplete_audit_never_prunes_a_baseline(origin: Path, tmp_path: Path, run_cli: Invoke) -> None:
    clone = tmp_path / "full"
    git(tmp_path, "clone", "-q", origin.as_uri(), str(clone))
    assert run_cli("baseline", "create", "--history", cwd=clone).exit_code == 0
    git(clone, "fetch", "-q", "--depth", "1")  # now shallow: the history behind is gone from the clone
    git(clone, "gc", "-q", "--prune=now")
    updated = run_cli("baseline", "update", "--history", "--allow-shallow", cwd=clone)
    assert updated.exit_code == 0 and "0 added, 0 removed, 5 entries" in updated.stdout


def test_allow_shallow_goes_with_history(origin: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--allow-shallow", cwd=origin)
    assert result.exit_code == 2
    assert result.output.startswith("spillguard: error: --allow-shallow goes with --history")


def test_grafts_are_named_and_a_cached_audit_walks_again_once_they_go(origin: Path, run_cli: Invoke) -> None:
    head = git(origin, "rev-parse", "HEAD").strip()
    (origin / ".git" / "info").mkdir(exist_ok=True)
    (origin / ".git" / "info" / "grafts").write_text(f"{head}\n")  # HEAD without parents
    result = run_cli("scan", "--history", "-f", "json", cwd=origin)
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["findings"] == []
    (gap,) = data["stats"]["history_gaps"]
    assert gap.startswith(".git/info/grafts rewrites the parents of 1 commit(s)")
    assert "git replace --convert-graft-file" in gap and "history is incomplete" in result.stderr
    (origin / ".git" / "info" / "grafts").unlink()
    again = run_cli("scan", "--history", "-f", "json", cwd=origin)  # same refs: the snapshot must not do
    assert again.exit_code == 1 and len(json.loads(again.stdout)["findings"]) == 5


def test_replace_refs_are_named(origin: Path, run_cli: Invoke) -> None:
    git(origin, "replace", "--graft", "HEAD")
    code, data, stderr = json_audit(run_cli, origin)
    assert code == 1 and len(data["findings"]) == 5  # libgit2 reads the stored objects
    (gap,) = data["stats"]["history_gaps"]
    assert gap.startswith("1 replace ref(s) (refs/replace/)") and "git replace -l" in gap
    assert f"spillguard: warning: history is incomplete: {gap}" in stderr


def test_partial_clone_that_could_not_read_objects_says_so(
    origin: Path, tmp_path: Path, run_cli: Invoke
) -> None:
    git(origin, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "partial"
    git(tmp_path, "clone", "-q", "--filter=blob:none", "--no-checkout", origin.as_uri(), str(clone))
    code, data, stderr = json_audit(run_cli, clone, "--skip-errors")
    missing = data["stats"]["skipped_unreadable"]
    assert code in (0, 1) and missing >= 1
    (gap,) = data["stats"]["history_gaps"]
    assert gap.startswith(f"a partial clone (cloned with --filter): {missing} object(s) it never fetched")
    assert f"spillguard: warning: history is incomplete: {gap}" in stderr


def test_a_complete_history_says_so_and_other_modes_say_nothing(origin: Path, run_cli: Invoke) -> None:
    code, data, stderr = json_audit(run_cli, origin)
    assert code == 1 and data["stats"]["history_complete"] is True and stderr.count("warning") == 0
    sarif = json.loads(run_cli("scan", "--history", "--no-cache", "-f", "sarif", "-q", cwd=origin).stdout)
    (invocation,) = sarif["runs"][0]["invocations"]  # complete: no notification
    assert invocation == {"executionSuccessful": True}
    tree = json.loads(run_cli("scan", "-f", "json", cwd=origin).stdout)
    assert "history_complete" not in tree["stats"] and "history_gaps" not in tree["stats"]


def test_git_notes_are_scanned_like_commit_messages(origin: Path, run_cli: Invoke) -> None:
    head = git(origin, "rev-parse", "HEAD").strip()
    old, new = github_token(rng=RNG), github_token(rng=RNG)
    git(origin, "notes", "add", "-m", f"deployed with GITHUB_TOKEN={old}", "HEAD")
    git(origin, "notes", "add", "-f", "-m", f"rotated; now {new}", "HEAD")  # the old note lives on
    code, data, _ = json_audit(run_cli, origin)
    assert code == 1
    in_notes = sorted((f["path"], f["line"]) for f in data["findings"] if f["path"].startswith("(git note"))
    assert in_notes == [(f"(git note on {head[:12]})", 1)] * 2
    found = {f["preview"] for f in data["findings"] if f["path"].startswith("(git note")}
    assert found == {f"{old[:6]}…{old[-2:]}", f"{new[:6]}…{new[-2:]}"}
    only_main = json.loads(
        run_cli("scan", "--history", "--no-cache", "--branch", "main", "-f", "json", cwd=origin).stdout
    )
    assert not [f for f in only_main["findings"] if f["path"].startswith("(git note")]


def test_notes_in_many_trees_are_named_by_the_object_they_annotate(repo: Path, run_cli: Invoke) -> None:
    """A notes tree fans out (`ab/cdef...`) once it holds many notes: the path still names the object."""
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "a")
    targets = []
    for number in range(300):
        (repo / "n.txt").write_text(f"note target {number}\n")
        targets.append(git(repo, "hash-object", "-w", "n.txt").strip())
    token = github_token(rng=RNG)
    for number, target in enumerate(targets):
        git(
            repo, "notes", "add", "-m", f"GITHUB_TOKEN={token}" if number == 150 else f"note {number}", target
        )
    assert (
        "/" in git(repo, "ls-tree", "-r", "--name-only", "refs/notes/commits").splitlines()[0]
    )  # fanned out
    code, data, _ = json_audit(run_cli, repo)
    assert code == 1
    (finding,) = [f for f in data["findings"] if f["path"].startswith("(git note")]
    assert finding["path"] == f"(git note on {targets[150][:12]})"


def test_history_cache_rows_are_keyed_by_grafts(origin: Path, run_cli: Invoke) -> None:
    """The snapshot of a complete audit is not reused once a grafts file appears (nor after it goes)."""
    assert run_cli("scan", "--history", "-q", cwd=origin).exit_code == 1
    with sqlite3.connect(origin / ".git" / "spillguard" / CACHE_FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM audits").fetchone()[0] == 1
    head = git(origin, "rev-parse", "HEAD").strip()
    (origin / ".git" / "info").mkdir(exist_ok=True)
    (origin / ".git" / "info" / "grafts").write_text(f"{head}\n")
    result = run_cli("scan", "--history", "-f", "json", "-q", cwd=origin)
    assert json.loads(result.stdout)["findings"] == []  # walked anew: the grafted history holds none
