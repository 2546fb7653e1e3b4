"""SARIF as GitHub code scanning ingests it: a level on every result, a category per mode, an invocation
that says what was not read, at most 25,000 results (most severe first), only what the report lists,
findings outside the files at HEAD placed under GITCOMMITS, byte-exact URIs, notebook columns. Every
log here is also validated against the official schema (the autouse fixture in tests/conftest.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner.fingerprint import fingerprint, secret_hash
from scanner.model import Finding, Location, Notice, Policy, Report, ScanStats, Severity
from scanner.modes.workdir import scan_paths
from scanner.reporters import RenderOptions
from scanner.reporters.sarif import MAX_RESULTS, render
from scanner.reporters.sarif_notes import MAX_NOTIFICATIONS
from scanner.reporters.sarif_results import artifact_uri
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules
from tests.conftest import Invoke, git
from tests.modes.test_git_modes import commit_file
from tests.tokens import aws_access_key_id, github_token

TOKEN = github_token()
OTHER = github_token("gho_")
KEY = aws_access_key_id()


def sarif(run_cli: Invoke, cwd: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = run_cli("scan", *args, "-f", "sarif", "-q", cwd=cwd)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def run_of(log: dict) -> dict:  # type: ignore[type-arg]
    (run,) = log["runs"]
    return run  # type: ignore[no-any-return]


def physical(result: dict) -> dict:  # type: ignore[type-arg]
    return result["locations"][0]["physicalLocation"]  # type: ignore[no-any-return]


def test_every_result_has_a_level_medium_included(tmp_path: Path, run_cli: Invoke) -> None:
    """sarif-om dropped `level: warning` (SARIF's default); GitHub reads it from each result."""
    (tmp_path / "a.py").write_text(f"t = '{TOKEN}'\npassword = 'Zq8!vR2#mW9@xL4$'\n")
    run = run_of(sarif(run_cli, tmp_path))
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["github.pat-classic"] == "error"
    assert "warning" in levels.values(), levels  # the generic password rule is medium
    assert all("level" in r for r in run["results"])
    descriptors = {d["id"]: d for d in run["tool"]["driver"]["rules"]}
    assert descriptors["github.pat-classic"]["defaultConfiguration"] == {"level": "error"}


def test_category_per_mode_and_overridden(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    commit_file(repo, "b.py", f"t = '{TOKEN}'\n")
    ids = {}
    for mode, args in (
        ("directory", ()),
        ("range", ("--range", "HEAD~1..HEAD")),
        ("history", ("--history", "--no-cache")),
        ("staged", ("--staged",)),
    ):
        ids[mode] = run_of(sarif(run_cli, repo, *args))["automationDetails"]["id"]
    assert ids == {mode: f"spillguard/{mode}/" for mode in ids}
    custom = run_of(sarif(run_cli, repo, "--sarif-category", "secrets/monorepo-api"))
    assert custom["automationDetails"]["id"] == "secrets/monorepo-api/"


def test_invocation_names_what_was_not_read(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "a.py").write_text(f"t = '{TOKEN}'\n")
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2" * 10)
    os.mkfifo(tmp_path / "pipe")
    (invocation,) = run_of(sarif(run_cli, tmp_path, "--max-file-size", "100"))["invocations"]
    assert invocation["executionSuccessful"] is True
    notes = {(n["descriptor"]["id"], n["level"]): n for n in invocation["toolExecutionNotifications"]}
    large = notes[("spillguard/file-too-large", "warning")]
    assert "big.py" in large["message"]["text"]
    assert physical(large)["artifactLocation"]["uri"] == "big.py"
    assert "not a regular file" in notes[("spillguard/file-not-read", "warning")]["message"]["text"]
    assert notes[("spillguard/binary-skipped", "note")]["message"]["text"].startswith("1 binary")


def test_regex_timeouts_are_warnings(tmp_path: Path) -> None:
    """A rule stopped by the per-pattern timeout left part of a file unchecked: a warning naming it."""
    rules = tmp_path / "slow.yml"
    rules.write_text(
        "rules:\n  - id: user.slow\n    name: Slow\n    description: Slow.\n    severity: low\n"
        "    confidence: low\n    keywords: [aaaa]\n    pattern: '(?P<secret>(a|a){1,40}(a|a){1,40}b)'\n"
        "    examples: {positive: ['aaaab'], negative: ['c']}\n"
        "    remediation: {summary: Rotate., rotate: [Rotate.]}\n"
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.txt").write_text("a" * 60 + "\n")
    policy = Policy(extra_rule_files=(str(rules),), regex_timeout=0.05)
    report = scan_paths(
        (str(tmp_path / "in"),), CompiledRuleset(load_rules(policy.extra_rule_files)), policy, 1
    )
    assert report.stats.timeouts == 1
    (invocation,) = json.loads(render(report, RenderOptions()))["runs"][0]["invocations"]
    (note,) = invocation["toolExecutionNotifications"]
    assert note["descriptor"]["id"] == "spillguard/regex-timeout" and note["level"] == "warning"
    assert "user.slow" in note["message"]["text"]


def test_notifications_are_capped(tmp_path: Path) -> None:
    notices = tuple(Notice(f"f{i}.txt", "permission denied") for i in range(MAX_NOTIFICATIONS + 5))
    report = Report((), tuple(load_rules()), ScanStats(skipped_unreadable=len(notices)), notices=notices)
    (invocation,) = json.loads(render(report, RenderOptions()))["runs"][0]["invocations"]
    listed = invocation["toolExecutionNotifications"]
    assert len(listed) == MAX_NOTIFICATIONS
    assert listed[-1]["message"]["text"].startswith("6 more notifications")


def _findings(count: int, severity_of: dict[int, Severity] | None = None) -> tuple[Finding, ...]:
    found = []
    for number in range(count):
        secret = f"secret-{number:08}"
        path = f"f{number // 100:04}.py"
        hashed = secret_hash(secret)
        location = Location(path, number % 100 + 1, 1, number % 100 + 1, 20)
        severity = (severity_of or {}).get(number)
        found.append(
            Finding(
                "github.pat-classic",
                location,
                hashed,
                fingerprint("github.pat-classic", path, hashed),
                "ghp_ab…yz",
                4.0,
                severity=severity,
            )
        )
    return tuple(found)


def test_at_most_25000_results_most_severe_first_and_the_rest_said() -> None:
    count = MAX_RESULTS + 3
    # the three critical findings come last by path: they must still be kept, and listed first
    critical = {count - 1: Severity.CRITICAL, count - 2: Severity.CRITICAL, count - 3: Severity.CRITICAL}
    report = Report(_findings(count, critical), tuple(load_rules()), ScanStats(files=1))
    run = json.loads(render(report, RenderOptions()))["runs"][0]
    assert len(run["results"]) == MAX_RESULTS
    assert [physical(r)["artifactLocation"]["uri"] for r in run["results"][:3]] == [
        f"f{(count - 1) // 100:04}.py"
    ] * 3
    assert [r["level"] for r in run["results"][:3]] == ["error"] * 3
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["descriptor"]["id"] == "spillguard/results-limit" and note["level"] == "warning"
    assert "25,000 of 25,003 results" in note["message"]["text"] and "3 high" in note["message"]["text"]


def test_known_findings_are_not_open_alerts(tmp_path: Path, run_cli: Invoke) -> None:
    """With a baseline, SARIF lists what the report lists: new findings (and known ones that still
    fail); the known ones are left out, unless --show-known, which marks reviewed ones suppressed."""
    (tmp_path / "a.py").write_text(f"t = '{TOKEN}'\n")
    (tmp_path / "b.py").write_text(f"t = '{OTHER}'\n")
    assert run_cli("baseline", "create", cwd=tmp_path).exit_code == 0
    (tmp_path / "c.py").write_text(f"k = '{KEY}'\n")
    run = run_of(sarif(run_cli, tmp_path, "-b", ".spillguard-baseline.json"))
    assert [(physical(r)["artifactLocation"]["uri"], r["baselineState"]) for r in run["results"]] == [
        ("c.py", "new")
    ]
    shown = run_of(sarif(run_cli, tmp_path, "-b", ".spillguard-baseline.json", "--show-known"))
    states = {physical(r)["artifactLocation"]["uri"]: r["baselineState"] for r in shown["results"]}
    assert states == {"a.py": "unchanged", "b.py": "unchanged", "c.py": "new"}


def test_commit_message_and_deleted_file_are_placed_on_their_commit(repo: Path, run_cli: Invoke) -> None:
    base = commit_file(repo, "a.py", "x = 1\n")
    added = commit_file(repo, "old/config.py", f"t = '{TOKEN}'\n")
    (repo / "n.txt").write_text("x\n")
    git(repo, "add", "n.txt")
    git(repo, "commit", "-q", "-m", f"deploy with {OTHER}")
    message_commit = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "rm", "-q", "old/config.py")
    git(repo, "commit", "-q", "-m", "remove it")
    for args in (("--range", f"{base}..HEAD"), ("--history", "--no-cache")):
        run = run_of(sarif(run_cli, repo, *args))
        by_rule = {r["ruleId"]: r for r in run["results"]}
        deleted = by_rule["github.pat-classic"]
        assert physical(deleted)["artifactLocation"] == {
            "uri": f"{added}/old/config.py",
            "uriBaseId": "GITCOMMITS",
        }
        assert physical(deleted)["region"]["startLine"] == 1
        assert deleted["locations"][0]["logicalLocations"] == [
            {"fullyQualifiedName": f"{added}:old/config.py", "kind": "git-blob"}
        ]
        assert f"git show {added[:12]}:old/config.py" in deleted["message"]["text"]
        message = by_rule["github.oauth-access-token"]
        assert physical(message)["artifactLocation"] == {
            "uri": f"{message_commit}/message",
            "uriBaseId": "GITCOMMITS",
        }
        assert message["locations"][0]["logicalLocations"][0]["kind"] == "git-commit-message"
        assert f"in the message of commit {message_commit[:12]}" in message["message"]["text"]
        assert message["properties"]["commit"] == message_commit
        assert "GITCOMMITS" in run["originalUriBaseIds"]
    (repo / "old").mkdir()
    present = commit_file(repo, "old/config.py", f"t = '{TOKEN}'\n")  # back at HEAD: a file again
    run = run_of(sarif(run_cli, repo, "--range", f"{message_commit}..{present}"))
    (result,) = run["results"]
    assert physical(result)["artifactLocation"] == {"uri": "old/config.py", "uriBaseId": "%SRCROOT%"}


def test_same_secret_twice_in_a_file_gets_two_line_hashes(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "a.py").write_text(f"t = '{TOKEN}'\nu = '{TOKEN}'\n")
    results = run_of(sarif(run_cli, tmp_path))["results"]
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    fps = {r["partialFingerprints"]["spillguard-fp-v1"] for r in results}
    assert len(fps) == 1 and hashes == [f"{next(iter(fps))[:16]}:1", f"{next(iter(fps))[:16]}:2"]
    moved = tmp_path / "a.py"
    moved.write_text("\n\n" + moved.read_text())  # moving lines changes no fingerprint
    assert [
        r["partialFingerprints"]["primaryLocationLineHash"]
        for r in run_of(sarif(run_cli, tmp_path))["results"]
    ] == hashes


def test_notebook_region_is_the_place_in_the_file(tmp_path: Path, run_cli: Invoke) -> None:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["x = 1\n", f'T = "{TOKEN}"\n']}
    text = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    (tmp_path / "n.ipynb").write_text(text)
    (result,) = run_of(sarif(run_cli, tmp_path))["results"]
    region = physical(result)["region"]
    line = text.splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == TOKEN
    assert result["properties"]["cell"] == 1 and result["properties"]["cellLine"] == 2
    assert "cell 1, line 2 of the notebook" in result["message"]["text"]


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("plain/a.py", "plain/a.py"),
        ("dir with space/é.py", "dir%20with%20space/%C3%A9.py"),
        ("bad\\xffbyte.py", "bad%FFbyte.py"),  # a name that is not UTF-8, as reports show it
        ("lit\\xc3\\xa9.py", "lit%5Cxc3%5Cxa9.py"),  # escapes that would be UTF-8: a real backslash
        ("q?#%.py", "q%3F%23%25.py"),
    ],
)
def test_uris_are_the_file_names_bytes(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


def test_same_scan_same_bytes_and_no_secret(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "a.py").write_text(f"t = '{TOKEN}'\nk = '{KEY}'\n")
    first = run_cli("scan", "-f", "sarif", "-q", "--show-secrets", cwd=tmp_path).stdout
    assert first == run_cli("scan", "-f", "sarif", "-q", "-j", "2", cwd=tmp_path).stdout
    assert TOKEN not in first and KEY not in first


def test_properties_bag_holds_commit_author_and_date(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    sha = commit_file(repo, "b.py", f"t = '{TOKEN}'\n")
    (result,) = run_of(sarif(run_cli, repo, "--range", "HEAD~1..HEAD"))["results"]
    assert (
        result["properties"]["commit"] == sha and result["properties"]["author"] == "Test <t@example.invalid>"
    )
    assert result["properties"]["date"]


def test_git_note_is_placed_on_its_commit(repo: Path, run_cli: Invoke) -> None:
    target = commit_file(repo, "a.py", "x = 1\n")
    git(repo, "notes", "add", "-m", f"deploy token {TOKEN}", target)
    (result,) = run_of(sarif(run_cli, repo, "--history", "--no-cache"))["results"]
    artifact = physical(result)["artifactLocation"]
    assert artifact["uriBaseId"] == "GITCOMMITS"
    assert artifact["uri"].endswith(f"/note-on-{target[:12]}")
    assert result["locations"][0]["logicalLocations"][0]["kind"] == "git-note"
    assert f"in a git note on {target[:12]} (`git notes show {target[:12]}`)" in result["message"]["text"]
