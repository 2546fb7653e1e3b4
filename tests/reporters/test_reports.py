"""Report formats: JSON against a stored snapshot, SARIF against the official 2.1.0 schema."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import Invoke
from tests.sarif_schema import SCHEMA, sarif_schema_validator
from tests.tokens import github_token

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "scan"
TOKEN = github_token()


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "config").mkdir(parents=True)
    (root / "config" / "settings.py").write_text(f"DEBUG = True\nGITHUB_TOKEN = '{TOKEN}'\n")
    (root / "deploy.sh").write_text(f"#!/bin/sh\r\nexport GH={TOKEN}\r\n")
    return root


def test_shipped_sarif_schema_is_the_official_one_unmodified() -> None:
    readme = (SCHEMA.parent / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(SCHEMA.read_bytes()).hexdigest()
    assert f"`{digest}`" in readme
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert (
        schema["id"]
        == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    assert "runs" in schema["required"] and "result" in schema["definitions"]


def test_json_report_matches_snapshot(project: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "-f", "json", "-q", cwd=project)
    assert result.exit_code == 1
    expected = (FIXTURES / "report.json").read_text()
    assert json.loads(result.stdout) == json.loads(expected)


def test_json_report_is_deterministic(project: Path, run_cli: Invoke) -> None:
    first = run_cli("scan", "-f", "json", "-q", "-j", "1", cwd=project).stdout
    assert first == run_cli("scan", "-f", "json", "-q", "-j", "2", cwd=project).stdout


def test_sarif_is_valid_and_content_stable(project: Path, run_cli: Invoke) -> None:
    validator = sarif_schema_validator()
    result = run_cli("scan", "-f", "sarif", "-q", cwd=project)
    log = json.loads(result.stdout)
    validator.validate(log)
    run = log["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["github.pat-classic"] * 2
    first = run["results"][0]
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert first["locations"][0]["physicalLocation"]["region"]["snippet"]["text"].endswith(TOKEN[-2:])
    fingerprint = first["partialFingerprints"]["spillguard-fp-v1"]
    assert first["partialFingerprints"] == {
        "spillguard-fp-v1": fingerprint,
        "primaryLocationLineHash": f"{fingerprint[:16]}:1",  # what code scanning matches alerts on
    }
    descriptor = run["tool"]["driver"]["rules"][0]
    assert descriptor["properties"]["security-severity"] == "8.0"
    assert "Remediation" in descriptor["help"]["markdown"]
    # moving the secret down does not change its fingerprint
    settings = project / "config" / "settings.py"
    settings.write_text("\n\n\n" + settings.read_text())
    moved = json.loads(run_cli("scan", "-f", "sarif", "-q", cwd=project).stdout)["runs"][0]
    assert moved["results"][0]["partialFingerprints"] == first["partialFingerprints"]
    assert TOKEN not in result.stdout


def test_sarif_without_findings_is_valid(tmp_path: Path, run_cli: Invoke) -> None:
    validator = sarif_schema_validator()
    result = run_cli("scan", "-f", "sarif", "-q", str(tmp_path))
    assert result.exit_code == 0
    validator.validate(json.loads(result.stdout))


def test_sarif_for_every_rule_is_valid(tmp_path: Path, run_cli: Invoke) -> None:
    """One file per rule holding its positive examples: every rule's descriptor and results validate."""
    from scanner.ruleset.loader import load_rules

    validator = sarif_schema_validator()
    for rule in load_rules():
        if rule.files is not None:  # a file rule's example is a path, then the file's content
            path, _, content = rule.examples.positive[0].partition("\n")
            (tmp_path / rule.id / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rule.id / path).write_text(content)
        elif rule.paths:  # a path-scoped rule (Dockerfiles, workflows) reads files at its example path
            target = tmp_path / rule.id / (rule.examples.path or "")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("\n".join(rule.examples.positive))
        else:
            (tmp_path / f"{rule.id}.txt").write_text("\n".join(rule.examples.positive))
    log = json.loads(run_cli("scan", "-f", "sarif", "-q", str(tmp_path)).stdout)
    validator.validate(log)
    fired = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert fired == {rule.id for rule in load_rules()}
