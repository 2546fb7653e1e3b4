"""Baseline commands that read files a user or a repository controls: an audited entry whose path is now
a FIFO, a device or a link; a baseline to upgrade that is a FIFO or not UTF-8. Each answers at once
(real processes with a timeout, so a read that blocks fails the test instead of hanging it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.baseline.match import entry_fingerprint
from tests.tokens import github_token

TOKEN = github_token()


def spillguard(cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "120"},
    )


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "a.env").write_text(f"GITHUB_TOKEN={TOKEN}\n")
    assert spillguard(root, "baseline", "create").returncode == 0
    return root


@pytest.mark.parametrize("kind", ["fifo", "link-to-dev-zero", "directory"])
def test_audit_of_an_entry_that_is_now_special_does_not_read_it(project: Path, kind: str) -> None:
    target = project / "a.env"
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    else:
        target.symlink_to("/dev/zero")
    done = spillguard(project, "baseline", "audit", stdin="s\n")
    assert done.returncode == 0, done.stderr
    assert "(not in the work tree now; it may remain in git history)" in done.stdout
    assert "saved .spillguard-baseline.json: 0 of 1 entries reviewed" in done.stdout


def test_audit_of_an_entry_whose_path_holds_a_nul(project: Path) -> None:
    """The fingerprint check stops accidental edits, not a crafted file: its fields are all public."""
    baseline = project / ".spillguard-baseline.json"
    data = json.loads(baseline.read_text())
    entry = data["entries"][0]
    entry["path"] = "a\0.env"
    entry["fingerprint"] = entry_fingerprint(entry["rule_id"], entry["path"], entry["secret_hash"])
    baseline.write_text(json.dumps(data))
    done = spillguard(project, "baseline", "audit", stdin="s\n")
    assert done.returncode == 0, done.stderr
    assert "a\\x00.env" in done.stdout and "(not in the work tree now" in done.stdout


@pytest.mark.parametrize("content", ["fifo", b"\xff\xfe not utf-8"])
def test_upgrade_of_a_baseline_that_cannot_be_one(project: Path, content: str | bytes) -> None:
    path = project / "odd.json"
    if content == "fifo":
        os.mkfifo(path)
        says = f"spillguard: error: {path.name}: not a regular file"
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)
        says = f"spillguard: error: {path.name}: cannot be read ("
    done = spillguard(project, "baseline", "upgrade", "-b", path.name)
    assert done.returncode == 2
    assert done.stderr.startswith(says) and len(done.stderr.splitlines()) == 1
