"""Full-history audit against real temporary repositories."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from scanner.fingerprint import secret_hash
from scanner.modes.history_cache import CACHE_FILE
from tests.conftest import Invoke, git
from tests.modes.test_git_modes import commit_file, merge_resolved_with_secret
from tests.tokens import aws_access_key_id, github_token

TOKEN = github_token()


def audit(run_cli: Invoke, repo: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = run_cli("scan", "--history", "-f", "json", "-q", *args, cwd=repo)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_added_then_deleted_is_found_only_in_history(repo: Path, run_cli: Invoke) -> None:
    added = commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "a.py", "t = os.environ['T']\n")
    data = audit(run_cli, repo)
    (group,) = data["groups"]
    assert group["first_commit"] == added and group["present_at_head"] is False
    assert group["first_path"] == "a.py" and group["first_line"] == 1
    assert run_cli("scan", "--no-color", cwd=repo).exit_code == 0  # gone from the work tree
    text = run_cli("scan", "--history", "--no-color", cwd=repo).output
    assert "still reachable in history: rotate, then purge" in text


def test_secret_only_on_another_branch_or_tag(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    git(repo, "checkout", "-q", "-b", "feature")
    commit_file(repo, "b.py", f"t = '{TOKEN}'\n")
    git(repo, "tag", "v1")
    git(repo, "checkout", "-q", "main")
    assert [g["first_path"] for g in audit(run_cli, repo)["groups"]] == ["b.py"]
    git(repo, "branch", "-q", "-D", "feature")  # now only the tag reaches it
    assert [g["first_path"] for g in audit(run_cli, repo)["groups"]] == ["b.py"]
    assert audit(run_cli, repo, "--branch", "main")["groups"] == []


def test_secret_only_in_stash(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    (repo / "a.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "stash", "-q")
    assert [g["rule_id"] for g in audit(run_cli, repo)["groups"]] == ["github.pat-classic"]


def test_every_stash_entry_is_audited(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    (repo / "a.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "stash", "-q")  # the older entry, stash@{1}, only in refs/stash's reflog
    (repo / "a.py").write_text("x = 2\n")
    git(repo, "stash", "-q")
    assert [g["rule_id"] for g in audit(run_cli, repo, "--no-cache")["groups"]] == ["github.pat-classic"]
    cached = audit(run_cli, repo)
    assert [g["rule_id"] for g in cached["groups"]] == ["github.pat-classic"]
    git(repo, "stash", "drop", "-q", "stash@{1}")  # refs/stash does not move; its reflog does
    assert audit(run_cli, repo)["groups"] == [] == audit(run_cli, repo, "--no-cache")["groups"]


def test_lost_stash_entry_is_an_error_naming_it(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    for value in ("x = 2\n", "x = 3\n"):
        (repo / "a.py").write_text(value)
        git(repo, "stash", "-q")
    older = git(repo, "rev-parse", "stash@{1}").strip()
    _delete_object(repo, older)
    result = run_cli("scan", "--history", "--no-cache", cwd=repo)
    assert result.exit_code == 2 and f"stash entry {older} is missing or corrupted" in result.output


def test_merge_resolution(repo: Path, run_cli: Invoke) -> None:
    _base, merge = merge_resolved_with_secret(repo)
    (group,) = audit(run_cli, repo)["groups"]
    assert group["first_commit"] == merge and group["present_at_head"] is True


def test_renamed_file_is_one_group_with_two_paths(repo: Path, run_cli: Invoke) -> None:
    first = commit_file(repo, "old.py", f"t = '{TOKEN}'\n")
    git(repo, "mv", "old.py", "new.py")
    git(repo, "commit", "-q", "-m", "rename")
    data = audit(run_cli, repo)
    (group,) = data["groups"]
    assert group["paths"] == ["new.py", "old.py"] and group["first_commit"] == first
    assert group["commits"] == 2 and len(group["fingerprints"]) == 2
    assert sorted(f["path"] for f in data["findings"]) == ["new.py", "old.py"]


def test_commit_message_is_scanned(repo: Path, run_cli: Invoke) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", f"add key {aws_access_key_id()}")
    (finding,) = audit(run_cli, repo)["findings"]
    assert finding["path"] == "(commit message)" and finding["rule_id"] == "aws.access-key-id"


def test_messages_are_prefiltered_together_but_judged_alone(repo: Path, run_cli: Invoke) -> None:
    """One prefilter pass over every message picks those worth a scan; a keyword never joins the end
    of one message to the start of the next."""
    for n in range(30):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"release {n}")
    git(repo, "commit", "-q", "--allow-empty", "-m", "ticket: pass")
    git(repo, "commit", "-q", "--allow-empty", "-m", "word = 'Xq7mZp2Lw9vTr4'")  # pass|word: no password
    git(repo, "commit", "-q", "--allow-empty", "-m", f"use {aws_access_key_id()} for now")
    findings = audit(run_cli, repo)["findings"]
    assert [(f["path"], f["rule_id"]) for f in findings] == [("(commit message)", "aws.access-key-id")]


def test_commit_messages_are_cached_and_invalidated_with_the_rules(
    repo: Path, tmp_path: Path, run_cli: Invoke
) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    clean = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "commit", "-q", "--allow-empty", "-m", f"add key {aws_access_key_id()}")
    cache = tmp_path / "cache"
    first = audit(run_cli, repo, "--cache", str(cache))
    with sqlite3.connect(cache / CACHE_FILE) as db:
        rows = db.execute("SELECT id FROM messages").fetchall()
    assert rows == [(clean,)]  # the message holding a key is scanned again each time
    second = audit(run_cli, repo, "--cache", str(cache))
    assert second["findings"] == first["findings"] and second["groups"] == first["groups"]
    assert [f["path"] for f in second["findings"]] == ["(commit message)"]
    disabled = audit(run_cli, repo, "--cache", str(cache), "--disable", "aws.access-key-id")
    assert disabled["findings"] == []


def test_each_unique_blob_is_scanned_once(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "copy.py", f"t = '{TOKEN}'\n")  # same blob, second path
    commit_file(repo, "b.py", "y = 2\n")
    commit_file(repo, "b.py", "y = 3\n")
    data = audit(run_cli, repo)
    assert data["stats"]["files_scanned"] == 3  # blobs: a.py/copy.py (one), b.py twice
    assert sorted(f["path"] for f in data["findings"]) == ["a.py", "copy.py"]


def test_parallel_history_matches_serial(repo: Path, run_cli: Invoke) -> None:
    for n in range(150):  # more than one batch, so the pool is used with -j 2
        body = "".join(f"v{n}_{i} = {i}\n" for i in range(20))
        if n % 30 == 0:
            body += f"t = '{github_token(rng=__import__('random').Random(n))}'\n"
        (repo / f"f{n}.py").write_text(body)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "many")
    serial = audit(run_cli, repo, "-j", "1", "--no-cache")
    assert serial == audit(run_cli, repo, "-j", "2", "--no-cache")
    assert len(serial["groups"]) == 5


def test_empty_repository(repo: Path, run_cli: Invoke) -> None:
    data = audit(run_cli, repo)
    assert data["findings"] == [] and data["stats"]["files_scanned"] == 0


def test_blob_over_max_size_is_counted(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "big.txt", "x" * 5000 + TOKEN)
    data = audit(run_cli, repo, "--max-file-size", "1K")
    assert data["stats"]["skipped_too_large"] == 1 and data["findings"] == []


def test_history_flags_need_history(repo: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--branch", "main", cwd=repo)
    assert result.exit_code == 2 and "--branch goes with --history" in result.output


def test_cache_skips_scanned_blobs_and_is_invalidated_by_rules(
    repo: Path, tmp_path: Path, run_cli: Invoke
) -> None:
    from tests.ruleset.test_loader import GOOD

    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "clean.py", "x = 1\n")
    cache = tmp_path / "cache"
    first = audit(run_cli, repo, "--cache", str(cache))
    assert first["stats"]["cached_blobs"] == 0 and first["stats"]["files_scanned"] == 2
    commit_file(repo, "b.py", "y = 2\n")
    second = audit(run_cli, repo, "--cache", str(cache))
    # clean.py's blob comes from the cache; a.py's holds a finding, so it is read again, and b.py is new
    assert second["stats"]["cached_blobs"] == 1 and second["stats"]["files_scanned"] == 3
    assert second["findings"] == first["findings"] and second["groups"] == first["groups"]
    rules = tmp_path / "extra.yml"
    rules.write_text(GOOD)
    changed = audit(run_cli, repo, "--cache", str(cache), "--rules", str(rules))
    assert changed["stats"]["cached_blobs"] == 0
    assert audit(run_cli, repo, "--cache", str(cache), "--no-cache")["stats"]["cached_blobs"] == 0


def test_default_cache_lives_in_git_dir_and_holds_no_secret(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    audit(run_cli, repo)
    stored = (repo / ".git" / "spillguard" / CACHE_FILE).read_bytes()
    assert TOKEN.encode() not in stored and TOKEN[4:20].encode() not in stored
    assert secret_hash(TOKEN).encode() not in stored
    with sqlite3.connect(repo / ".git" / "spillguard" / CACHE_FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM blobs").fetchone() == (0,)  # the one blob holds a finding
    assert audit(run_cli, repo)["stats"]["cached_blobs"] == 0


def test_corrupted_cache_is_discarded_with_a_warning(repo: Path, tmp_path: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_FILE).write_bytes(b"not a database at all" * 100)
    result = run_cli("scan", "--history", "--cache", str(cache), "-f", "json", cwd=repo)
    assert result.exit_code == 1
    assert "cache is unreadable; discarding it" in result.stderr
    assert len(json.loads(result.stdout)["findings"]) == 1


def _delete_object(repo: Path, oid: str) -> None:
    loose = repo / ".git" / "objects" / oid[:2] / oid[2:]
    loose.chmod(0o644)
    loose.unlink()


def test_missing_blob_is_an_error_naming_it_unless_skipped(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "b.py", "fine = 1\n")
    blob = git(repo, "rev-parse", "HEAD:b.py").strip()
    _delete_object(repo, blob)
    result = run_cli("scan", "--history", "--no-cache", cwd=repo)
    assert result.exit_code == 2
    assert f"object {blob} (at b.py in commit" in result.output and "--skip-errors" in result.output
    assert "Traceback" not in result.output
    data = audit(run_cli, repo, "--no-cache", "--skip-errors")
    assert data["stats"]["skipped_unreadable"] == 1 and len(data["findings"]) == 1


def test_missing_blob_in_range_mode(repo: Path, run_cli: Invoke) -> None:
    base = commit_file(repo, "a.py", "x = 1\n")
    commit_file(repo, "b.py", "fine = 1\n")
    _delete_object(repo, git(repo, "rev-parse", "HEAD:b.py").strip())
    result = run_cli("scan", "--range", f"{base}..HEAD", cwd=repo)
    assert result.exit_code == 2 and "missing or corrupted" in result.output


def test_non_utf8_path_names(repo: Path, run_cli: Invoke) -> None:
    name = b"caf\xe9 menu.py"
    (repo / name.decode("utf-8", "surrogateescape")).write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", ".")
    staged = run_cli("scan", "--staged", "-f", "json", "-q", cwd=repo)
    assert [f["path"] for f in json.loads(staged.stdout)["findings"]] == ["caf\\xe9 menu.py"]
    git(repo, "commit", "-q", "-m", "accent")
    for args in (("--history",), (".",)):
        result = run_cli("scan", *args, "-f", "sarif", "-q", cwd=repo)
        assert result.exit_code == 1
        (location,) = [r["locations"][0] for r in json.loads(result.stdout)["runs"][0]["results"]]
        # the name's own bytes percent-encoded (issue 15), not its escaped display form (caf%5Cxe9)
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "caf%E9%20menu.py"
    text = run_cli("scan", "--no-color", cwd=repo).output
    assert "caf\\xe9 menu.py:1:6" in text


def test_path_allowlist_applies_to_history_and_cached_runs(
    repo: Path, tmp_path: Path, run_cli: Invoke
) -> None:
    commit_file(repo, "src/a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "tests/fixture.py", f"t = '{TOKEN}'\n")
    config = tmp_path / "config.yml"
    config.write_text("allowlist:\n  paths: ['tests/*']\n")
    cache = str(tmp_path / "cache")
    for _ in range(2):  # the second run comes from the cache and must agree
        data = audit(run_cli, repo, "--config", str(config), "--cache", cache)
        assert [f["path"] for f in data["findings"]] == ["src/a.py"]


def test_cache_holding_more_blobs_than_asked_counts_only_ours(
    repo: Path, tmp_path: Path, run_cli: Invoke
) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    git(repo, "checkout", "-q", "-b", "side")
    commit_file(repo, "b.py", "side = 1\n" * 50)
    git(repo, "checkout", "-q", "main")
    cache = str(tmp_path / "cache")
    audit(run_cli, repo, "--cache", cache)  # fills the cache with both branches' blobs
    cached = audit(run_cli, repo, "--cache", cache, "--branch", "main")
    fresh = audit(run_cli, repo, "--no-cache", "--branch", "main")
    assert cached["stats"]["cached_blobs"] == 1
    assert cached["stats"]["files_scanned"] == fresh["stats"]["files_scanned"] == 1
    assert cached["stats"]["bytes_scanned"] == fresh["stats"]["bytes_scanned"]
    assert cached["findings"] == fresh["findings"]


def test_a_keyword_never_spans_two_messages() -> None:
    """Messages need not end with a line break (other tools write them without): the separator keeps
    `...pass` and `word...` apart, and each hit is told to the message it is in."""
    from scanner.model import Policy
    from scanner.modes.file_step import FileStep
    from scanner.modes.history_scan import _with_keywords
    from scanner.ruleset.compiled import CompiledRuleset
    from scanner.ruleset.loader import load_rules

    step = FileStep(CompiledRuleset(load_rules(), "pyahocorasick"), Policy())
    texts = ["ticket: pass", "word = 'Xq7mZp2Lw9vTr4'", "plain", f"use {aws_access_key_id()}", ""]
    assert _with_keywords(step, texts) == {3}
    assert _with_keywords(step, ["password = 'Xq7mZp2Lw9vTr4'"]) == {0}
    assert _with_keywords(step, []) == set()
