"""Leak-pattern rules and client-bundle escalation through the CLI, in a real temporary git repository:
a workflow with a literal token, a Dockerfile with a baked-in password, a .env.local with a
NEXT_PUBLIC_ secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Invoke, git
from tests.tokens import github_token

NPM = "EeaqMVxG1HRar53vMWZ7jep3mveB"
DB = "3Z5h9Y0i%ae%3GW8AX7a"
PUBLIC_TOKEN = github_token()
WORKFLOW = f"""name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    env:
      NODE_VERSION: "20"
      NPM_TOKEN: {NPM}
    steps:
      - uses: actions/checkout@v4
"""
DOCKERFILE = f"FROM postgres:16\nENV POSTGRES_USER=orders\nENV POSTGRES_PASSWORD={DB}\n"
ENV_LOCAL = f"NEXT_PUBLIC_GH_TOKEN={PUBLIC_TOKEN}\n"


@pytest.fixture()
def project(repo: Path) -> Path:
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / ".env.local").write_text(ENV_LOCAL)
    (repo / "docs").mkdir()
    (repo / "docs" / "ci-example.yml").write_text(WORKFLOW)  # same text, not a workflow: not reported
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    return repo


def _summary(result_json: str) -> list[tuple[str, str, int, str, str | None]]:
    return [
        (f["path"], f["rule_id"], f["line"], f["severity"], f.get("exposure"))
        for f in json.loads(result_json)["findings"]
    ]


def test_json_reports_leak_rules_and_the_raised_client_secret(project: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "-f", "json", "-q", cwd=project)
    assert result.exit_code == 1
    assert _summary(result.stdout) == [
        (".env.local", "file.dotenv", 1, "high", None),
        (".env.local", "github.pat-classic", 1, "critical", "client-bundle"),
        (".github/workflows/ci.yml", "leak.github-actions-env", 8, "high", None),
        ("Dockerfile", "leak.dockerfile-env-arg", 3, "high", None),
        ("docs/ci-example.yml", "generic.token-assignment", 8, "medium", None),  # not a workflow path
    ]
    raised = json.loads(result.stdout)["findings"][1]
    assert raised["rule_severity"] == "high"
    assert "Shipped to every browser" in raised["remediation"]["exposure"]
    for secret in (NPM, DB, PUBLIC_TOKEN):
        assert secret not in result.output


def test_history_audit_keeps_the_raised_severity_on_a_repeated_run(project: Path, run_cli: Invoke) -> None:
    for _ in range(2):  # the second audit reads the cache (blobs with findings are scanned again)
        result = run_cli("scan", "--history", "-f", "json", "-q", cwd=project)
        assert result.exit_code == 1
        summary = _summary(result.stdout)
        assert (".env.local", "github.pat-classic", 1, "critical", "client-bundle") in summary


def test_text_report_shows_raised_severity_and_why(project: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--no-color", "--remediation", cwd=project)
    assert result.exit_code == 1
    assert (
        ".env.local:1:22  CRITICAL  GitHub classic personal access token [github.pat-classic]"
        in result.output
    )
    assert "      client-bundle: Shipped to every browser" in result.output
    assert (
        "Dockerfile:3:23  HIGH  Credential baked into a Dockerfile ENV or ARG [leak.dockerfile-env-arg]"
        in (result.output)
    )
    assert "1. GitHub classic personal access token [github.pat-classic], critical severity" in result.output
    assert "built with `docker build --secret id=npm_token,env=NPM_TOKEN .`" in result.output
    for secret in (NPM, DB, PUBLIC_TOKEN):
        assert secret not in result.output


def test_sarif_level_and_properties_follow_the_raised_severity(project: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "-f", "sarif", "-q", cwd=project)
    assert result.exit_code == 1
    results = json.loads(result.stdout)["runs"][0]["results"]
    raised = [r for r in results if r["ruleId"] == "github.pat-classic"]
    assert len(raised) == 1
    assert raised[0]["level"] == "error"
    assert raised[0]["properties"]["exposure"] == "client-bundle"
    assert raised[0]["properties"]["security-severity"] == "9.5"
    for secret in (NPM, DB, PUBLIC_TOKEN):
        assert secret not in result.output


def test_fail_on_critical_fails_only_because_of_the_client_secret(project: Path, run_cli: Invoke) -> None:
    assert run_cli("scan", "-q", "--fail-on", "critical", cwd=project).exit_code == 1
    (project / ".env.local").write_text(f"GH_TOKEN={PUBLIC_TOKEN}\n")  # same token, server-side name
    result = run_cli("scan", "-f", "json", "-q", "--fail-on", "critical", cwd=project)
    assert result.exit_code == 0
    assert (".env.local", "github.pat-classic", 1, "high", None) in _summary(result.stdout)


def test_staged_workflow_literal_is_reported_with_its_rule(repo: Path, run_cli: Invoke) -> None:
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "release.yaml").write_text(WORKFLOW)
    git(repo, "add", "-A")
    result = run_cli("scan", "--staged", "-f", "json", "-q", cwd=repo)
    assert result.exit_code == 1
    assert _summary(result.stdout) == [
        (".github/workflows/release.yaml", "leak.github-actions-env", 8, "high", None)
    ]
    assert NPM not in result.output


def test_user_rule_with_bad_paths_regex_is_exit_2_naming_file_and_rule(
    tmp_path: Path, run_cli: Invoke
) -> None:
    rules = tmp_path / "mine.yml"
    rules.write_text(
        """rules:
  - id: mine.deploy-key
    name: Deploy key
    description: A deploy key.
    severity: high
    confidence: high
    keywords: [dk_]
    pattern: '(?P<secret>dk_[a-z0-9]{12})'
    paths: ['(Procfile']
    remediation: {summary: Rotate it., rotate: [Rotate it.]}
    examples:
      path: Procfile
      positive: ['dk_a1b2c3d4e5f6']
      negative: ['dk_']
"""
    )
    result = run_cli("rules", "check", str(rules), cwd=tmp_path)
    assert result.exit_code == 2
    assert f"{rules}: 1 problem: rule 'mine.deploy-key' field 'paths': '(Procfile' is not a valid regex" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_rules_check_passes_for_leak_rules(run_cli: Invoke) -> None:
    result = run_cli("rules", "check", "rules/leaks.yml", cwd=Path(__file__).resolve().parents[2])
    assert result.exit_code == 0
    assert result.output.startswith("ok: 5 rules")
