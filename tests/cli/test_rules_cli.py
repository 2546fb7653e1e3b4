from __future__ import annotations

import json

from scanner.ruleset.loader import load_rules
from tests.conftest import Invoke


def test_rules_list_text_and_json(run_cli: Invoke) -> None:
    text = run_cli("rules", "list")
    assert text.exit_code == 0
    rules = load_rules()
    assert f"{len(rules)} rules" in text.stderr
    assert "github.pat-classic" in text.stdout and "GitHub classic personal access token" in text.stdout
    data = json.loads(run_cli("rules", "list", "--format", "json").stdout)
    assert sorted(r["id"] for r in data) == sorted(r.id for r in rules)
    assert {"id", "name", "severity", "confidence", "keywords", "tags", "source"} <= set(data[0])


def test_rules_list_honours_disable(run_cli: Invoke) -> None:
    result = run_cli("rules", "list", "--disable", "github.pat-classic")
    assert result.exit_code == 0 and "github.pat-classic " not in result.stdout


def test_rules_explain(run_cli: Invoke) -> None:
    result = run_cli("rules", "explain", "github.pat-classic")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("github.pat-classic  (high severity, high confidence)")
    assert "Remediation:" in out and "  1. " in out and "Revoke at: https://github.com/settings/tokens" in out
    assert "git filter-repo --replace-text" in out and "References:" in out


def test_rules_explain_unknown_suggests(run_cli: Invoke) -> None:
    result = run_cli("rules", "explain", "github.pat-clasic")
    assert result.exit_code == 2
    assert "no rule with id 'github.pat-clasic'; did you mean github.pat-classic" in result.output


def test_rules_check_all_builtin(run_cli: Invoke) -> None:
    result = run_cli("rules", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"ok: {len(load_rules())} rules")
