"""File rules: findings for files whose presence is the leak, in every source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.errors import RuleError
from scanner.ruleset.loader import parse_rule_text
from tests.conftest import Invoke, git


def rules_of(run_cli: Invoke, cwd: Path, *args: str) -> list[tuple[str, str]]:
    data = json.loads(run_cli("scan", *args, "-f", "json", "-q", cwd=cwd).stdout)
    return sorted((f["path"], f["rule_id"]) for f in data["findings"] if f["rule_id"].startswith("file."))


def plant(root: Path) -> None:
    (root / ".env").write_text("DEBUG=1\n")
    (root / ".env.example").write_text("API_KEY=\n")
    (root / "keys").mkdir()
    (root / "keys" / "release.p12").write_bytes(b"\x30\x82\x00\x01\x00binary")  # binary: still reported
    (root / ".npmrc").write_text("registry=https://registry.npmjs.org/\n")  # no auth: not reported


EXPECTED = [(".env", "file.dotenv"), ("keys/release.p12", "file.private-key")]


def test_directory_scan(tmp_path: Path, run_cli: Invoke) -> None:
    plant(tmp_path)
    assert rules_of(run_cli, tmp_path, ".") == EXPECTED
    text = run_cli("scan", "--no-color", cwd=tmp_path).output
    assert ".env:1:1  HIGH  Environment file committed [file.dotenv]  .env" in text


def test_staged_range_and_history(repo: Path, run_cli: Invoke) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "root")
    base = git(repo, "rev-parse", "HEAD").strip()
    plant(repo)
    git(repo, "add", ".")
    assert rules_of(run_cli, repo, "--staged") == EXPECTED
    git(repo, "commit", "-q", "-m", "add files")
    (repo / ".npmrc").write_text("//registry.npmjs.org/:_authToken=npm_a1b2c3d4e5\n")
    git(repo, "commit", "-q", "-am", "auth")  # modified, not added: reported by content in history
    assert rules_of(run_cli, repo, "--range", f"{base}..HEAD") == EXPECTED
    assert rules_of(run_cli, repo, "--history", "--no-cache") == sorted(
        [*EXPECTED, (".npmrc", "file.auth-config")]
    )


def test_path_allowlist_and_baseline(tmp_path: Path, run_cli: Invoke) -> None:
    plant(tmp_path)
    (tmp_path / ".spillguard.yml").write_text("allowlist:\n  paths: ['keys/*']\n")
    assert rules_of(run_cli, tmp_path, ".") == [(".env", "file.dotenv")]
    assert run_cli("baseline", "create", cwd=tmp_path).exit_code == 0
    assert run_cli("scan", "-b", ".spillguard-baseline.json", cwd=tmp_path).exit_code == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    keywords: [env]\n", "field 'keywords': does not apply to a file rule"),
        ("    pattern: 'x(?P<secret>y)'\n", "field 'pattern': does not apply to a file rule"),
    ],
)
def test_file_rule_validation(extra: str, message: str) -> None:
    text = (
        "rules:\n  - id: file.x\n    name: X\n    description: D.\n    severity: low\n"
        "    confidence: low\n    files:\n      paths: ['\\.x$']\n"
        + extra
        + "    remediation: {summary: S., rotate: [a, b]}\n"
        "    examples: {positive: [a.x], negative: [a.y]}\n"
    )
    with pytest.raises(RuleError, match=message):
        parse_rule_text(text, "x.yml")


def test_file_rule_bad_regex() -> None:
    text = (
        "rules:\n  - id: file.x\n    name: X\n    description: D.\n    severity: low\n"
        "    confidence: low\n    files:\n      paths: ['(']\n"
        "    remediation: {summary: S., rotate: [a, b]}\n"
        "    examples: {positive: [a.x], negative: [a.y]}\n"
    )
    with pytest.raises(RuleError, match="files.paths"):
        parse_rule_text(text, "x.yml")
