"""What the ref tips hold (scanner.sources.exposure) on real repositories: which refs count as tips,
and objects that went missing after the audit cached its snapshot (the inventory then reads them for
the first time) are errors naming them, never a traceback."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from scanner.modes.history_cache import CACHE_FILE
from tests.conftest import Invoke
from tests.inventory_repo import ANN, Story, build_story


@pytest.fixture()
def story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Story:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path / "user-cache"))
    return build_story(tmp_path / "repo")


def tips(run_cli: Invoke, story: Story, *args: str) -> list[str]:
    result = run_cli("inventory", "-q", "-f", "json", *args, cwd=story.root)
    assert result.exit_code in (0, 1), result.output
    return [tip["ref"] for tip in json.loads(result.stdout)["tips"]]


def test_which_refs_are_tips(story: Story, run_cli: Invoke) -> None:
    story.git("update-ref", "refs/remotes/origin/main", "main")
    story.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    story.git("tag", "tree-tag", "main^{tree}")  # holds no commit
    story.git("tag", "-a", "-m", "annotated", "v2.0", "main", who=ANN, day="2024-06-01")
    assert tips(run_cli, story) == [
        "refs/heads/feature",
        "refs/heads/main",
        "refs/heads/release/1.0",
        "refs/remotes/origin/main",  # not origin/HEAD, its alias
        "refs/tags/v1.0",
        "refs/tags/v2.0",  # annotated: peeled to its commit
    ]
    assert tips(run_cli, story, "--branch", "main", "--branch", "main", "--branch", "v1.0") == [
        "main",
        "v1.0",
    ]


def test_a_detached_head_without_branches_is_the_tip(story: Story, run_cli: Invoke) -> None:
    story.git("checkout", "-q", "--detach", "main")
    for ref in ("main", "feature", "release/1.0"):
        story.git("branch", "-q", "-D", ref)
    story.git("tag", "-d", "v1.0")
    assert tips(run_cli, story) == ["HEAD"]


def _delete(story: Story, oid: str) -> None:
    loose = story.root / ".git" / "objects" / oid[:2] / oid[2:]
    loose.chmod(0o644)
    loose.unlink()


def _audited(story: Story, run_cli: Invoke, cache: Path) -> None:
    """A cached audit leaves a snapshot, and no tip view (only an inventory stores one)."""
    assert run_cli("scan", "--history", "-q", "--cache", str(cache), cwd=story.root).exit_code == 1
    with sqlite3.connect(cache / CACHE_FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM tip_views").fetchone() == (0,)


@pytest.mark.parametrize(
    ("lost", "message"),
    [
        ("release/1.0", "refs/heads/release/1.0 is missing or corrupted"),  # a tip
        ("release/1.0^{tree}", "the tree of commit {sha} is missing or corrupted"),
        ("main~6", "cannot walk the history"),  # init, under every event commit
    ],
)
def test_objects_lost_after_a_cached_audit(story, run_cli, tmp_path, lost, message) -> None:
    cache = tmp_path / "cache"
    _audited(story, run_cli, cache)
    oid = story.git("rev-parse", lost).strip()
    assert lost != "main~6" or oid == story.commits["init"]
    _delete(story, oid)
    result = run_cli("inventory", "--cache", str(cache), cwd=story.root)
    assert result.exit_code == 2, result.output
    assert message.format(sha=story.commits["release-fix"]) in result.stderr and "git fsck" in result.stderr
    assert "Traceback" not in result.output
