"""Audit snapshots: an audit of references that have not moved since a complete audit does not walk the
history, yet reports exactly what a fresh audit reports; any moved, new or deleted reference (HEAD
included), a rule change, or a shallow clone means a walk. Real temporary repositories throughout."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scanner.fingerprint import secret_hash
from scanner.model import CommitInfo, ScanStats
from scanner.modes.history_cache import CACHE_FILE, Snapshot
from tests.conftest import Invoke, git
from tests.modes.test_git_modes import commit_file
from tests.tokens import aws_access_key_id, github_token

RNG = random.Random(23)
TOKEN, OTHER, ON_BRANCH, UNDER_TAG, STASHED, LATER = (github_token(rng=RNG) for _ in range(6))


def audit(run_cli: Invoke, repo: Path, *args: str) -> dict[str, Any]:
    result = run_cli("scan", "--history", "-f", "json", "-q", *args, cwd=repo)
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """A report without what differs between any two runs (time) or between a cached and a fresh run
    (how many blobs came from the cache)."""
    stats = {k: v for k, v in data["stats"].items() if k not in ("cached_blobs", "seconds")}
    kept = {k: data[k] for k in ("findings", "groups", "notices")}
    return {**kept, "stats": stats}


def snapshots(cache: Path) -> int:
    with sqlite3.connect(cache / CACHE_FILE) as db:
        count: int = db.execute("SELECT COUNT(*) FROM audits").fetchone()[0]
    return count


def no_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the history was walked")

    monkeypatch.setattr("scanner.modes.history.walk", refuse)


@pytest.fixture()
def history(repo: Path) -> Path:
    """Secrets in every place an audit reports from: added then removed, renamed, on a branch only,
    under a tag only, in a stash, in a commit message; and clean files around them."""
    commit_file(repo, "clean.py", "x = 1\n" * 20)
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "a.py", "t = os.environ['T']\n")
    commit_file(repo, "conf/old.py", f"k = '{aws_access_key_id()}'\n")
    git(repo, "mv", "conf/old.py", "conf/new.py")
    git(repo, "commit", "-q", "-m", "rename")
    commit_file(repo, "notes.txt", "nothing here\n", message=f"debug with {OTHER}")
    git(repo, "checkout", "-q", "-b", "feature")
    commit_file(repo, "b.py", f"b = '{ON_BRANCH}'\n")
    git(repo, "checkout", "-q", "-b", "tagged")
    commit_file(repo, "c.py", f"c = '{UNDER_TAG}'\n")
    git(repo, "tag", "v1")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "tagged")
    (repo / "clean.py").write_text(f"s = '{STASHED}'\n")
    git(repo, "stash", "-q")
    return repo


def test_unchanged_refs_are_answered_without_a_walk(
    history: Path, tmp_path: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = str(tmp_path / "cache")
    fresh = audit(run_cli, history, "--no-cache")
    assert len(fresh["groups"]) == 6
    first = audit(run_cli, history, "--cache", cache)
    assert snapshots(tmp_path / "cache") == 1
    no_walk(monkeypatch)
    for args in ((), ("-j", "1")):
        second = audit(run_cli, history, "--cache", cache, *args)
        assert comparable(second) == comparable(first) == comparable(fresh)
        # every clean blob came from the snapshot; the blobs holding findings were read again
        assert second["stats"]["cached_blobs"] == 3, second["stats"]
    sarif = run_cli("scan", "--history", "-f", "sarif", "-q", "--cache", cache, cwd=history)
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    assert sarif.exit_code == 1 and len(results) == len(fresh["findings"]) == 7  # the rename: two paths
    text = run_cli("scan", "--history", "--no-color", "--cache", cache, cwd=history).output
    assert "still reachable in history: rotate, then purge" in text


def test_library_audit_from_a_snapshot_matches_a_fresh_one(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.cli.options import build_ruleset
    from scanner.model import Policy
    from scanner.modes.history import scan_history

    policy = Policy()
    ruleset = build_ruleset(policy, "pyahocorasick")
    fresh = scan_history(ruleset, policy, cwd=history)
    scan_history(ruleset, policy, cwd=history, cache_dir=tmp_path / "cache")
    no_walk(monkeypatch)
    again = scan_history(ruleset, policy, cwd=history, cache_dir=tmp_path / "cache")
    assert again.findings == fresh.findings and again.groups == fresh.groups
    assert again.commits == fresh.commits and again.notices == fresh.notices
    # the snapshot's counts: every blob the fresh audit read, those scanned clean now counted as cached
    assert replace(again.stats, cached=0) == fresh.stats and 0 < again.stats.cached < fresh.stats.files


def test_scan_counts_added_up_in_one_pass_are_those_added_one_by_one() -> None:
    items = [
        ScanStats(files=1, bytes=n, skipped_binary=n % 2, skipped_large=n % 5, timeouts=n % 7, cached=n % 3)
        for n in range(70)
    ]
    folded = ScanStats()
    for item in items:
        folded += item
    assert ScanStats.total(items) == folded
    assert ScanStats.total(items, cached=4) == replace(folded, cached=folded.cached + 4)
    assert ScanStats.total([]) == ScanStats()


@pytest.mark.parametrize(
    "change",
    [
        "new commit on main",
        "branch deleted",
        "branch created at an old commit",
        "tag moved",
        "HEAD detached",
        "stash dropped",
        "branch rewound",
    ],
)
def test_every_ref_change_means_a_walk(history: Path, tmp_path: Path, run_cli: Invoke, change: str) -> None:
    cache = str(tmp_path / "cache")
    audit(run_cli, history, "--cache", cache)
    first = git(history, "rev-list", "--max-parents=0", "main").strip()
    if change == "new commit on main":
        commit_file(history, "d.py", f"d = '{LATER}'\n")
    elif change == "branch deleted":
        git(history, "branch", "-q", "-D", "feature")
    elif change == "branch created at an old commit":
        git(history, "branch", "-q", "old", first)
    elif change == "tag moved":
        git(history, "tag", "-f", "v1", first)
    elif change == "HEAD detached":  # conf/new.py and the message's token are then no longer at HEAD
        git(history, "checkout", "-q", "--detach", first)
    elif change == "stash dropped":
        git(history, "stash", "drop", "-q")
    else:
        git(history, "reset", "-q", "--hard", first)
    cached = audit(run_cli, history, "--cache", cache)
    assert comparable(cached) == comparable(audit(run_cli, history, "--no-cache"))
    assert snapshots(tmp_path / "cache") == 2


def test_branch_arguments_have_their_own_snapshot(history: Path, tmp_path: Path, run_cli: Invoke) -> None:
    cache = str(tmp_path / "cache")
    for _ in range(2):
        for args in ((), ("--branch", "main"), ("--branch", "feature")):
            cached = audit(run_cli, history, "--cache", cache, *args)
            assert comparable(cached) == comparable(audit(run_cli, history, "--no-cache", *args))
    assert snapshots(tmp_path / "cache") == 3


def test_rule_change_drops_every_snapshot(history: Path, tmp_path: Path, run_cli: Invoke) -> None:
    from tests.ruleset.test_loader import GOOD

    cache = tmp_path / "cache"
    audit(run_cli, history, "--cache", str(cache))
    rules = tmp_path / "extra.yml"
    rules.write_text(GOOD)
    with_rules = audit(run_cli, history, "--cache", str(cache), "--rules", str(rules))
    assert with_rules["stats"]["cached_blobs"] == 0 and snapshots(cache) == 1
    assert comparable(audit(run_cli, history, "--cache", str(cache), "--rules", str(rules))) == comparable(
        with_rules
    )


def test_unreadable_snapshot_is_ignored(history: Path, tmp_path: Path, run_cli: Invoke) -> None:
    cache = tmp_path / "cache"
    first = audit(run_cli, history, "--cache", str(cache))
    with sqlite3.connect(cache / CACHE_FILE) as db:
        db.execute("UPDATE audits SET snapshot = '{\"clean\": [1]}'")
    assert comparable(audit(run_cli, history, "--cache", str(cache))) == comparable(first)


def test_shallow_clone_keeps_no_snapshot(history: Path, tmp_path: Path, run_cli: Invoke) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", history.as_uri(), str(clone))
    cache = tmp_path / "cache"
    shallow = audit(run_cli, clone, "--cache", str(cache), "--allow-shallow")
    assert shallow["stats"]["history_complete"] is False
    assert snapshots(cache) == 0
    git(clone, "fetch", "-q", "--unshallow")  # more history, with no reference moved
    assert comparable(audit(run_cli, clone, "--cache", str(cache))) == comparable(
        audit(run_cli, clone, "--no-cache")
    )


def test_unreadable_blob_keeps_no_snapshot(history: Path, tmp_path: Path, run_cli: Invoke) -> None:
    blob = git(history, "rev-parse", "HEAD:notes.txt").strip()
    loose = history / ".git" / "objects" / blob[:2] / blob[2:]
    loose.chmod(0o644)
    loose.unlink()
    cache = tmp_path / "cache"
    for _ in range(2):  # its notice is reported every time, never forgotten in a snapshot
        data = audit(run_cli, history, "--cache", str(cache), "--skip-errors")
        assert data["stats"]["skipped_unreadable"] == 1
    assert snapshots(cache) == 0


def test_snapshot_holds_nothing_derived_from_a_secret(history: Path, run_cli: Invoke) -> None:
    audit(run_cli, history)
    with sqlite3.connect(history / ".git" / "spillguard" / CACHE_FILE) as db:
        (stored,) = db.execute("SELECT snapshot FROM audits").fetchone()
    for secret in (TOKEN, OTHER):
        assert secret[4:20] not in stored and secret_hash(secret) not in stored
    assert Snapshot.from_json(stored).to_json() == stored


def test_snapshot_round_trip() -> None:
    snapshot = Snapshot(
        clean=ScanStats(files=3, bytes=120, skipped_binary=1, cached=4),
        dirty=(("b" * 40, (("c" * 40, "a.py"), ("d" * 40, "caf\udce9.py"))),),
        messages=("d" * 40,),
        commits=((0, CommitInfo("c" * 40, "A <a@example.com>", "2026-01-01T00:00:00+00:00")),),
        at_head=("b" * 40,),
        lines=(("b" * 40, (3, 17)),),
    )
    assert Snapshot.from_json(snapshot.to_json()) == snapshot
    # a snapshot written before the finding lines were kept: its dirty blobs are read whole
    older = json.loads(snapshot.to_json())
    del older["lines"]
    assert Snapshot.from_json(json.dumps(older)) == replace(snapshot, lines=())


def test_snapshot_naming_a_lost_commit_is_an_error(history: Path, tmp_path: Path, run_cli: Invoke) -> None:
    cache = str(tmp_path / "cache")
    audit(run_cli, history, "--cache", cache)
    sha = git(history, "log", "--format=%H", "-1", "--grep", "debug with").strip()
    loose = history / ".git" / "objects" / sha[:2] / sha[2:]
    loose.chmod(0o644)
    loose.unlink()
    result = run_cli("scan", "--history", "--cache", cache, cwd=history)
    assert result.exit_code == 2 and f"commit {sha} is missing or corrupted" in result.output
    assert "Traceback" not in result.output


def test_only_the_latest_snapshots_are_kept(history: Path, tmp_path: Path, run_cli: Invoke) -> None:
    from scanner.modes.history_cache import KEEP_SNAPSHOTS

    cache = tmp_path / "cache"
    names = [f"b{n}" for n in range(KEEP_SNAPSHOTS + 2)]
    for name in names:
        git(history, "branch", "-q", name, "main")
    for name in names:
        audit(run_cli, history, "--cache", str(cache), "--branch", name)
    assert snapshots(cache) == KEEP_SNAPSHOTS
    with sqlite3.connect(cache / CACHE_FILE) as db:
        newest = db.execute("SELECT state FROM audits ORDER BY rowid DESC LIMIT 1").fetchone()[0]
    from scanner.sources.git import open_repo
    from scanner.sources.history_walk import ref_state

    assert newest == ref_state(open_repo(history), (names[-1],))


def _hold_lock(cache: Path) -> sqlite3.Connection:
    """Another audit in the middle of a write: an exclusive lock on the cache file."""
    other = sqlite3.connect(cache / CACHE_FILE, timeout=0.1, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    return other


def test_cache_held_by_another_audit_is_not_discarded(
    history: Path, tmp_path: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scanner.modes.history_cache.BUSY_SECONDS", 0.2)
    cache = tmp_path / "cache"
    first = audit(run_cli, history, "--cache", str(cache))
    other = _hold_lock(cache)
    result = run_cli("scan", "--history", "-f", "json", "-q", "--cache", str(cache), cwd=history)
    assert (
        result.exit_code == 1
        and "cache is in use by another audit; this audit runs without it" in result.stderr
    )
    assert comparable(json.loads(result.stdout)) == comparable(first)
    other.execute("ROLLBACK")
    other.close()
    assert snapshots(cache) == 1  # still there: a busy cache is waited for or skipped, never deleted
    no_walk(monkeypatch)
    assert comparable(audit(run_cli, history, "--cache", str(cache))) == comparable(first)


def test_write_blocked_mid_audit_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.modes.history_cache import BlobCache

    monkeypatch.setattr("scanner.modes.history_cache.BUSY_SECONDS", 0.2)
    warnings: list[str] = []
    cache = BlobCache.open(tmp_path, "key", warnings.append)
    assert cache is not None
    with cache:
        cache.store_clean("a" * 40, ScanStats(files=1, bytes=10))
        cache.checkpoint()  # written: nobody else holds the file
        other = _hold_lock(tmp_path)
        cache.store_clean("b" * 40, ScanStats(files=1, bytes=20))
        cache.checkpoint()
        assert warnings == [
            "history cache not written (another audit holds it); this audit's results are not recorded"
        ]
        cache.store_clean("c" * 40, ScanStats(files=1, bytes=30))
        other.execute("ROLLBACK")
        other.close()
    assert len(warnings) == 1  # once: later writes are dropped quietly
    reopened = BlobCache.open(tmp_path, "key", warnings.append)
    assert reopened is not None
    with reopened:
        assert reopened.lookup(["a" * 40, "b" * 40, "c" * 40]).ids == frozenset({"a" * 40})


def test_linked_worktrees_share_the_default_cache(history: Path, tmp_path: Path, run_cli: Invoke) -> None:
    worktree = tmp_path / "wt"
    git(history, "worktree", "add", "-q", "-b", "other", str(worktree), "main")
    audit(run_cli, history)
    shared = history / ".git" / "spillguard" / CACHE_FILE
    assert shared.is_file()
    from_worktree = audit(run_cli, worktree)
    assert from_worktree["stats"]["cached_blobs"] == 3  # the clean blobs the main work tree's audit stored
    assert not list((history / ".git" / "worktrees").rglob("*.sqlite"))


def test_a_snapshot_of_the_refs_as_they_are_is_told_without_the_rules(
    history: Path, tmp_path: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What lets the CLI skip sorting the commits ahead (scanner.sources.history_walk.Listing) when the
    audit will answer from the cache: a snapshot of the same refs, read without the rule set's key. The
    CLI's audit answers from it all the same."""
    from scanner.cli.source_options import history_listing
    from scanner.modes.history import holds_snapshot
    from scanner.sources.git import open_repo

    cache = tmp_path / "cache"
    assert not holds_snapshot(cache, open_repo(history), ())  # no cache yet
    first = audit(run_cli, history, "--cache", str(cache))
    repo = open_repo(history)
    assert holds_snapshot(cache, repo, ())
    assert not holds_snapshot(cache, repo, ("main",))  # other refs: another snapshot
    monkeypatch.chdir(history)
    source = _source(history=True, cache_dir=str(cache))
    with history_listing(source) as listing:
        assert listing is None  # nothing to walk: nothing sorted
    no_walk(monkeypatch)
    assert comparable(audit(run_cli, history, "--cache", str(cache))) == comparable(first)
    monkeypatch.undo()
    monkeypatch.chdir(history)
    with history_listing(replace(source, no_cache=True)) as listing:
        assert listing is not None  # (without the cache, every audit walks)
    commit_file(history, "later.py", "y = 2\n")
    assert not holds_snapshot(cache, open_repo(history), ())  # a branch moved
    (cache / CACHE_FILE).write_bytes(b"not a database")
    assert not holds_snapshot(cache, open_repo(history), ())


def _source(**given: Any) -> Any:
    from scanner.cli.source_options import SourceOptions

    empty: dict[str, Any] = {"paths": (), "branches": (), "rule_files": (), "disabled": ()}
    flags = ("staged", "all_lines", "history", "no_cache", "skip_errors", "allow_shallow")
    names = ("commit_range", "since", "cache_dir", "max_file_size", "jobs", "config_path")
    fields = {**empty, **dict.fromkeys(flags, False), **dict.fromkeys(names), "prefilter": "auto"}
    return SourceOptions(**{**fields, **given})
