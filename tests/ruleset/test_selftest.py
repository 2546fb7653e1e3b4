"""`rules check` names each example that misbehaves: a positive not found when embedded in a common
context, and file-rule examples (paths) on the wrong side, through the CLI and `check_rule`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.schema import parse_rule
from scanner.ruleset.selftest import check_rule
from tests.conftest import Invoke
from tests.rule_data import acme_rule

REMEDIATION = {"summary": "Revoke it.", "rotate": ["Revoke it."]}


def line_only_rule() -> dict[str, Any]:
    """Found only when the token is a whole line: so never inside .env, JSON, YAML, Python or shell."""
    return acme_rule(
        id="acme.line-token",
        name="Acme token on its own line",
        pattern="(?m)^(?P<secret>acme_[a-z0-9]{20})$",
    )


def file_rule() -> dict[str, Any]:
    return {
        "id": "acme.config-file",
        "name": "Acme config file",
        "description": "A file holding Acme credentials.",
        "severity": "high",
        "confidence": "medium",
        "files": {"paths": [r"(^|/)\.acme$"], "content": "key="},
        "remediation": REMEDIATION,
        # wrong on purpose: the positive lacks the content, the negative is an accepted path with it
        "examples": {"positive": [".acme\nname=x"], "negative": ["dir/.acme\nkey=1"]},
    }


def problems_of(raw: dict[str, Any]) -> list[str]:
    rule, found = parse_rule(raw, "custom.yml")
    assert rule is not None, found
    return check_rule(rule, CompiledRuleset((rule,), "pyahocorasick"))


def test_positive_missed_in_contexts_is_named_per_context() -> None:
    found = problems_of(line_only_rule())
    assert [p.rsplit(" when embedded in ", 1)[1] for p in found] == ["env", "json", "yaml", "python", "shell"]
    assert all(p.startswith("positive example 1 is not detected at line ") for p in found)
    assert "positive example 1 is not detected at line 2, column 9 when embedded in yaml" in found


def test_positive_not_detected_at_all_and_negative_detected() -> None:
    raw = line_only_rule()
    raw["examples"] = {"positive": ["acme_short"], "negative": ["acme_q8w7e6r5t4y3u2i1o0pz"]}
    assert problems_of(raw) == ["positive example 1 is not detected", "negative example 1 is detected"]


def test_file_rule_examples_on_the_wrong_side() -> None:
    assert problems_of(file_rule()) == [
        "positive example 1 is not detected",
        "negative example 1 is detected",
    ]


def test_cli_rules_check_lists_every_failure_and_exits_1(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "custom.yml").write_text(yaml.safe_dump({"rules": [line_only_rule(), file_rule()]}))
    result = run_cli("rules", "check", "custom.yml", cwd=tmp_path)
    assert result.exit_code == 1
    assert "failed: 2 rules, 4 examples, 2 failing" in result.output
    fails = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert (
        "FAIL custom.yml: rule 'acme.config-file': positive example 1 is not detected; "
        "negative example 1 is detected"
    ) in fails
    (line_token,) = [line for line in fails if "'acme.line-token'" in line]
    assert line_token.count("when embedded in") == 5
