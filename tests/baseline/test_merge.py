"""Baselines that merge: real `git merge` of two branches that each ran `baseline update` (entries added
next to each other, and both at the end), with the merge driver `install-hook --merge-driver` wires; a
line merge's conflict markers refused with the way out, which resolves from git's index; the three-way
rules through the library; a UTF-8 byte-order mark accepted."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from scanner.baseline.format import Baseline, Entry, HashParams, parse, render
from scanner.baseline.match import consistent, entry_fingerprint
from scanner.baseline.merge import merge
from scanner.model import ReviewStatus as Status
from tests.conftest import Invoke, git, git_run
from tests.tokens import github_token

BASELINE = ".spillguard-baseline.json"


def token(seed: int) -> str:
    return github_token(rng=random.Random(seed))


def entries(cwd: Path) -> list[tuple[str, str]]:
    data = json.loads((cwd / BASELINE).read_text())
    return [(e["path"], e["status"]) for e in data["entries"]]


def branch_update(repo: Path, run_cli: Invoke, branch: str, name: str, seed: int) -> None:
    """On a new branch from main: add a file holding a token, `baseline update`, commit both."""
    git(repo, "checkout", "-q", "-b", branch, "main")
    (repo / name).write_text(f"t = '{token(seed)}'\n")
    result = run_cli("baseline", "update", cwd=repo)
    assert result.exit_code == 0 and "1 added" in result.output, result.output
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"{branch}: {name}")


@pytest.fixture()
def project(repo: Path, run_cli: Invoke) -> Path:
    """main: a.py, m.py and z.py with tokens, their baseline committed."""
    for name, seed in (("a.py", 1), ("m.py", 2), ("z.py", 3)):
        (repo / name).write_text(f"t = '{token(seed)}'\n")
    assert run_cli("baseline", "create", cwd=repo).exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "baseline")
    return repo


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(("b.py", 10), ("c.py", 11)), (("zz1.py", 12), ("zz2.py", 13))],
    ids=["adjacent-entries", "appended-at-end"],
)
def test_two_branches_updates_merge_with_the_driver(
    project: Path, run_cli: Invoke, ours: tuple[str, int], theirs: tuple[str, int]
) -> None:
    result = run_cli("install-hook", "--merge-driver", cwd=project)
    assert result.exit_code == 0 and "added to" in result.output
    assert (project / ".gitattributes").read_text() == f"{BASELINE} merge=spillguard-baseline\n"
    assert not (project / ".git" / "hooks" / "pre-commit").exists()  # only the driver was asked for
    git(project, "add", ".gitattributes")
    git(project, "commit", "-q", "-m", "merge driver")
    branch_update(project, run_cli, "one", *ours)
    branch_update(project, run_cli, "two", *theirs)
    git(project, "checkout", "-q", "one")
    merged = git_run(project, "merge", "-q", "--no-edit", "two")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    paths = [path for path, _ in entries(project)]
    assert paths == sorted(["a.py", "m.py", "z.py", ours[0], theirs[0]])
    scan = run_cli("scan", "-b", BASELINE, "-q", cwd=project)
    assert scan.exit_code == 0, scan.output  # every finding of both branches is known


def test_line_merge_conflict_is_refused_with_the_way_out(project: Path, run_cli: Invoke) -> None:
    branch_update(project, run_cli, "one", "b.py", 10)
    branch_update(project, run_cli, "two", "c.py", 11)
    git(project, "checkout", "-q", "one")
    assert git_run(project, "merge", "-q", "--no-edit", "two").returncode != 0  # git's own line merge
    scan = run_cli("scan", "-b", BASELINE, cwd=project)
    assert scan.exit_code == 2
    assert scan.output.startswith(f"spillguard: error: {BASELINE}: holds git conflict markers")
    assert f"spillguard baseline merge -b {BASELINE}" in scan.output and "--merge-driver" in scan.output
    resolved = run_cli("baseline", "merge", cwd=project)  # from the index: ancestor, ours, theirs
    assert resolved.exit_code == 0 and f"git add {BASELINE}" in resolved.output
    assert [p for p, _ in entries(project)] == ["a.py", "b.py", "c.py", "m.py", "z.py"]
    git(project, "add", BASELINE)
    git(project, "commit", "-q", "--no-edit")
    assert run_cli("scan", "-b", BASELINE, "-q", cwd=project).exit_code == 0
    again = run_cli("baseline", "merge", cwd=project)
    assert again.exit_code == 2 and "git records no merge conflict on it" in again.output


def test_review_on_one_side_and_update_on_the_other_merge(project: Path, run_cli: Invoke) -> None:
    run_cli("install-hook", "--merge-driver", cwd=project)
    git(project, "add", ".gitattributes")
    git(project, "commit", "-q", "-m", "driver")
    git(project, "checkout", "-q", "-b", "review")
    data = json.loads((project / BASELINE).read_text())
    data["entries"][1]["status"] = "false_positive"  # what `baseline audit` writes
    (project / BASELINE).write_text(json.dumps(data))
    git(project, "commit", "-q", "-am", "reviewed m.py")
    branch_update(project, run_cli, "more", "n.py", 10)
    git(project, "checkout", "-q", "review")
    assert git_run(project, "merge", "-q", "--no-edit", "more").returncode == 0
    assert entries(project) == [
        ("a.py", "unreviewed"),
        ("m.py", "false_positive"),
        ("n.py", "unreviewed"),
        ("z.py", "unreviewed"),
    ]


def test_driver_arguments_and_errors(project: Path, run_cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "base").write_text("")  # git's %O when the file did not exist in the ancestor
    ours = tmp_path / "ours"
    ours.write_text((project / BASELINE).read_text())
    (tmp_path / "theirs").write_text("{not json")
    result = run_cli("baseline", "merge", str(tmp_path / "base"), str(ours), str(tmp_path / "theirs"))
    assert result.exit_code == 2 and "theirs: not valid JSON" in result.output
    assert run_cli("baseline", "merge", "one", "two").exit_code == 2  # three files or none


def _baseline(salt: str, *entries: Entry) -> Baseline:
    return Baseline(HashParams(salt), entries)


def _entry(path: str, status: Status = Status.UNREVIEWED, line: int = 1) -> Entry:
    slow = "c" * 64
    return Entry(
        entry_fingerprint("github.pat-classic", path, slow), "github.pat-classic", path, line, slow, status
    )


SALT = "ab" * 16


def test_three_way_rules() -> None:
    kept, gone, changed, both = _entry("kept.py"), _entry("gone.py"), _entry("changed.py"), _entry("both.py")
    base = _baseline(SALT, kept, gone, changed, both)
    reviewed = _entry("changed.py", Status.REAL)
    ours = _baseline(SALT, kept, reviewed, _entry("both.py", Status.FALSE_POSITIVE), _entry("new-ours.py"))
    theirs = _baseline(
        SALT,
        _entry("kept.py", line=9),
        gone,
        changed,
        _entry("both.py", Status.REAL),
        _entry("new-theirs.py"),
    )
    result = merge(base, ours, theirs)
    got = {e.path: (e.status, e.line) for e in result.baseline.entries}
    assert got == {
        "kept.py": (Status.UNREVIEWED, 1),  # lines differ only: ours
        "changed.py": (Status.REAL, 1),  # reviewed on one side only
        "both.py": (Status.FALSE_POSITIVE, 1),  # reviewed differently: a conflict, ours kept
        "new-ours.py": (Status.UNREVIEWED, 1),
        "new-theirs.py": (Status.UNREVIEWED, 1),
    }  # gone.py: removed on our side, untouched on theirs
    (conflict,) = result.conflicts
    assert (
        conflict.startswith("both.py (github.pat-classic, ")
        and "false_positive on one side and real" in conflict
    )
    # theirs reviewed, ours untouched: theirs, with our line; removed on one side, reviewed on the other: kept
    later = merge(
        base,
        _baseline(SALT, _entry("kept.py", line=4), changed),
        _baseline(SALT, _entry("kept.py", Status.REAL), reviewed),
    )
    assert {e.path: (e.status, e.line) for e in later.baseline.entries} == {
        "kept.py": (Status.REAL, 4),
        "changed.py": (Status.REAL, 1),
    }
    assert merge(None, ours, ours).baseline == ours.sorted()  # no ancestor: the union


def test_different_salts_cannot_be_merged() -> None:
    result = merge(None, _baseline(SALT, _entry("a.py")), _baseline("cd" * 16, _entry("b.py")))
    assert result.baseline.entries == (_entry("a.py"),)
    assert "different hash salts" in result.conflicts[0]


def test_a_byte_order_mark_is_accepted(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "a.py").write_text(f"t = '{token(1)}'\n")
    assert run_cli("baseline", "create", cwd=tmp_path).exit_code == 0
    path = tmp_path / BASELINE
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as a Windows editor saves it
    assert run_cli("scan", "-b", BASELINE, "-q", cwd=tmp_path).exit_code == 0
    assert parse(
        render(parse("\ufeff" + render(_baseline(SALT, _entry("x.py"))), "b", consistent)), "b", consistent
    )


def test_concurrent_updates_lose_nothing(tmp_path: Path, run_cli: Invoke) -> None:
    """Two `baseline update`s at once, each adding one entry: the second waits for the first, then reads
    what it wrote. Held here while both start, so both must wait: neither can read the old file."""
    import os
    import subprocess
    import sys

    from scanner.locked import locked

    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    (tmp_path / "one" / "a.py").write_text(f"t = '{token(1)}'\n")
    assert run_cli("baseline", "create", cwd=tmp_path).exit_code == 0
    (tmp_path / "one" / "b.py").write_text(f"t = '{token(2)}'\n")
    (tmp_path / "two" / "c.py").write_text(f"t = '{token(3)}'\n")
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with locked(tmp_path / BASELINE):
        updates = [
            subprocess.Popen(
                [sys.executable, "-m", "scanner", "baseline", "update", directory],
                cwd=tmp_path,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for directory in ("one", "two")
        ]
        for update in updates:
            assert update.stderr is not None
            assert (
                "waiting for .spillguard-baseline.json: another spillguard is updating it"
                in update.stderr.readline()
            )
    outputs = [update.communicate()[0] for update in updates]
    assert all(update.returncode == 0 for update in updates)
    assert all("1 added" in output for output in outputs), outputs
    assert [path for path, _ in entries(tmp_path)] == ["one/a.py", "one/b.py", "two/c.py"]
