"""Every schema check of a rule, through `parse_rule` (each problem names its field, all are collected)
and through `spillguard rules check FILE` (exit 2, one line naming the file and the rule)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.engine.width import MAX_WINDOW
from scanner.model import Companion, Severity
from scanner.ruleset.schema import parse_rule
from tests.conftest import Invoke
from tests.rule_data import acme_rule


def base() -> dict[str, Any]:
    return acme_rule()


def file_rule() -> dict[str, Any]:
    raw = base()
    for key in ("keywords", "pattern"):
        del raw[key]
    raw["files"] = {"paths": [r"(^|/)\.acme$"]}
    raw["examples"] = {"positive": [".acme"], "negative": ["acme.txt"]}
    return raw


def problems(raw: Any, compile_pattern: bool = True) -> list[str]:
    rule, found = parse_rule(raw, "custom.yml", compile_pattern)
    assert (rule is None) == bool(found)
    return found


CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({"name": None}, ["field 'name': is missing"]),
    ({"name": "  "}, ["field 'name': must be a non-empty string"]),
    ({"description": 5}, ["field 'description': must be a non-empty string"]),
    ({"id": "Acme"}, ["field 'id': must be lowercase dotted, like provider.kind"]),
    ({"keywords": None}, ["field 'keywords': is missing"]),
    ({"keywords": []}, ["field 'keywords': must not be empty"]),
    ({"keywords": "acme_"}, ["field 'keywords': must be a list of non-empty strings"]),
    ({"keywords": ["a"]}, ["field 'keywords': 'a' must be lowercase ASCII of 2 or more characters"]),
    (
        {"keywords": ["Acme_"]},
        [
            "field 'keywords': 'Acme_' must be lowercase ASCII of 2 or more characters",
            "field 'examples.positive': example 1 contains none of the keywords",
        ],
    ),
    ({"pattern": None}, ["field 'pattern': is missing"]),
    ({"max_width": 0}, [f"field 'max_width': must be an integer from 1 to {MAX_WINDOW}"]),
    ({"max_width": True}, [f"field 'max_width': must be an integer from 1 to {MAX_WINDOW}"]),
    (
        {"pattern": r"(?P<secret>acme_\w{20}(?&x)?)(?<x>z)"},
        ["field 'pattern': uses syntax only `regex` knows; state its longest match in max_width"],
    ),
    (
        {"pattern": "(?P<secret>acme_[a-z0-9]{20000})"},
        [
            "field 'pattern': can match unboundedly long text; bound every repeat ({m,n}, not * or +) "
            f"so a match is at most {MAX_WINDOW} characters"
        ],
    ),
    ({"entropy": 3.0}, ["field 'entropy': must be a mapping {min: NUMBER}"]),
    ({"entropy": {"min": 3, "max": 5}}, ["field 'entropy': must be a mapping {min: NUMBER}"]),
    ({"entropy": {"min": 9}}, ["field 'entropy': min must be a number from 0 to 8 (bits per character)"]),
    ({"entropy": {"min": True}}, ["field 'entropy': min must be a number from 0 to 8 (bits per character)"]),
    ({"checksum": "luhn"}, ["field 'checksum': unknown validator 'luhn'; known: "]),
    ({"allowlist": ["x"]}, ["field 'allowlist': must be a mapping with regexes, stopwords and/or paths"]),
    ({"allowlist": {"words": ["x"]}}, ["field 'allowlist': unknown key(s): words"]),
    (
        {"allowlist": {"regexes": ["(unclosed"]}},
        ["field 'allowlist.regexes': '(unclosed' is not a valid regex: missing )"],
    ),
    (
        {"allowlist": {"stopwords": [""]}},
        ["field 'allowlist.stopwords': must be a list of non-empty strings"],
    ),
    (
        {"remediation": "rotate"},
        ["field 'remediation': is missing (needs summary, rotate steps, optional revoke_url)"],
    ),
    (
        {"remediation": {"summary": "s", "rotate": ["r"], "links": []}},
        ["field 'remediation': unknown key(s): links"],
    ),
    (
        {"remediation": {"summary": "s", "rotate": ["r"], "revoke_url": "http://acme.invalid"}},
        ["field 'remediation.revoke_url': must be an https:// URL"],
    ),
    ({"remediation": {"summary": "s", "rotate": []}}, ["field 'remediation.rotate': must not be empty"]),
    ({"examples": None}, ["field 'examples': is missing (needs positive and negative lists)"]),
    (
        {"examples": {"positive": ["acme_q8w7e6r5t4y3u2i1o0pz"], "negative": ["x"], "more": []}},
        ["field 'examples': unknown key(s): more"],
    ),
    (
        {"examples": {"positive": ["no keyword here"], "negative": ["x"]}},
        ["field 'examples.positive': example 1 contains none of the keywords"],
    ),
    ({"tags": [1]}, ["field 'tags': must be a list of non-empty strings"]),
    ({"references": "https://acme.invalid"}, ["field 'references': must be a list of non-empty strings"]),
    ({"severity": "urgent"}, ["field 'severity': must be one of low, medium, high, critical, not 'urgent'"]),
    ({"anchored": "yes"}, ["field 'anchored': must be true or false"]),
    (
        {"context": ["password"]},
        ["field 'context': must be a mapping with kinds, report, full and optional name"],
    ),
    (
        {"context": {"kinds": ["password"], "report": 0.5, "full": 0.7, "name": "password", "min": 1}},
        ["field 'context': unknown key(s): min"],
    ),
    (
        {"context": {"report": 0.5, "full": 0.7, "name": "password"}},
        ["field 'context.kinds': is missing"],
    ),
    (
        {"context": {"kinds": ["pin"], "report": 0.5, "full": 0.7, "name": "password"}},
        ["field 'context.kinds': 'pin' is not one of password, secret, token"],
    ),
    (
        {"context": {"kinds": ["password"], "report": 1.5, "full": True, "name": "password"}},
        [
            "field 'context.report': must be a number from 0 to 1 (a confidence)",
            "field 'context.full': must be a number from 0 to 1 (a confidence)",
        ],
    ),
    (
        {"context": {"kinds": ["password"], "report": 0.8, "full": 0.5, "name": "password"}},
        ["field 'context': report must not be above full"],
    ),
    (
        {"context": {"kinds": ["password"], "report": 0.5, "full": 0.7, "name": " "}},
        [
            "field 'context.name': must be a non-empty string",
            "field 'pattern': of a context-scored rule must capture the name in (?P<name>...)",
        ],
    ),
    (
        {
            "paths": [r"(^|/)Dockerfile$"],
            "examples": {"positive": ["acme_q8w7e6r5t4y3u2i1o0pz"], "negative": ["x"], "path": 5},
        },
        ["field 'examples.path': must be a non-empty string"],
    ),
    ({"companion": "AKIA"}, ["field 'companion': must be a mapping with pattern and within_lines"]),
    ({"companion": {"pattern": "x"}}, ["field 'companion': must be a mapping with pattern and within_lines"]),
    (
        {"companion": {"pattern": "(x", "within_lines": 3}},
        ["field 'companion.pattern': is not a valid regex: missing )"],
    ),
    (
        {"companion": {"pattern": "", "within_lines": 3}},
        ["field 'companion.pattern': must be a non-empty regex string"],
    ),
    (
        {"companion": {"pattern": 5, "within_lines": 11}},
        [
            "field 'companion.pattern': must be a non-empty regex string",
            "field 'companion.within_lines': must be an integer from 0 to 10",
        ],
    ),
    (
        {"companion": {"pattern": "x", "within_lines": True}},
        ["field 'companion.within_lines': must be an integer from 0 to 10"],
    ),
    (
        {"companion": {"pattern": "x", "within_lines": -1}},
        ["field 'companion.within_lines': must be an integer from 0 to 10"],
    ),
]


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_each_bad_field_is_named(change: dict[str, Any], expected: list[str]) -> None:
    raw = {**base(), **change}
    raw = {key: value for key, value in raw.items() if value is not None}
    found = problems(raw)
    assert len(found) == len(expected), found
    for got, want in zip(found, expected, strict=True):
        assert got.startswith(want), (got, want)


def test_not_a_mapping() -> None:
    assert parse_rule(["id", "x"], "custom.yml") == (None, ["is not a mapping"])


def test_stated_max_width_is_used_as_is() -> None:
    rule, found = parse_rule({**base(), "max_width": 40}, "custom.yml")
    assert found == [] and rule is not None and rule.max_width == 40


def test_companion_loads_and_built_in_rules_skip_compiling_it() -> None:
    pattern = "(?<![A-Z0-9])ACMEID[0-9]{4}"
    rule, found = parse_rule({**base(), "companion": {"pattern": pattern, "within_lines": 3}}, "custom.yml")
    assert found == [] and rule is not None and rule.companion == Companion(pattern, 3)
    rule, found = parse_rule(
        {**base(), "companion": {"pattern": "(x", "within_lines": 0}}, "rules/acme.yml", False
    )
    assert found == [] and rule is not None and rule.companion == Companion("(x", 0)


def test_built_in_rules_skip_compiling_and_width() -> None:
    rule, found = parse_rule({**base(), "allowlist": {"regexes": ["(unclosed"]}}, "rules/acme.yml", False)
    assert found == [] and rule is not None
    assert rule.max_width == 0 and rule.allowlist.regexes == ("(unclosed",) and rule.severity is Severity.HIGH


FILE_CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({"files": ["x"]}, ["field 'files': must be a mapping with paths, and optional exclude and content"]),
    ({"files": {"paths": ["x"], "glob": "*"}}, ["field 'files': unknown key(s): glob"]),
    ({"files": {"paths": ["x"], "content": 3}}, ["field 'files.content': must be a regex string"]),
    ({"files": {"paths": ["x"], "content": "(a"}}, ["field 'files.content': '(a' is not a valid regex"]),
    ({"files": {"exclude": ["x"]}}, ["field 'files.paths': is missing"]),
    ({"files": {"paths": ["[x"]}}, ["field 'files.paths': '[x' is not a valid regex"]),
    (
        {"keywords": ["acme_"], "entropy": {"min": 1}},
        [
            "field 'keywords': does not apply to a file rule (one with `files`)",
            "field 'entropy': does not apply to a file rule (one with `files`)",
        ],
    ),
    (
        {"companion": {"pattern": "x", "within_lines": 1}},
        ["field 'companion': does not apply to a file rule (one with `files`)"],
    ),
]


@pytest.mark.parametrize(("change", "expected"), FILE_CASES)
def test_each_bad_file_rule_field_is_named(change: dict[str, Any], expected: list[str]) -> None:
    found = problems({**file_rule(), **change})
    assert len(found) == len(expected), found
    for got, want in zip(found, expected, strict=True):
        assert got.startswith(want), (got, want)


def test_file_rule_with_content_loads() -> None:
    rule, found = parse_rule({**file_rule(), "files": {"paths": ["x"], "content": "auth"}}, "custom.yml")
    assert found == [] and rule is not None and rule.files is not None and rule.files.content == "auth"


def test_all_problems_of_a_rule_are_collected() -> None:
    raw = {**base(), "severity": "urgent", "tags": "x", "colour": "red"}
    del raw["name"]
    assert problems(raw) == [
        "field 'colour': unknown field",
        "field 'name': is missing",
        "field 'severity': must be one of low, medium, high, critical, not 'urgent'",
        "field 'tags': must be a list of non-empty strings",
    ]


def test_cli_rules_check_reports_schema_problems_exit_2(tmp_path: Path, run_cli: Invoke) -> None:
    raw = {
        **base(),
        "entropy": {"min": 9},
        "remediation": {"summary": "s", "rotate": ["r"], "revoke_url": "x"},
    }
    (tmp_path / "custom.yml").write_text(yaml.safe_dump({"rules": [raw]}))
    result = run_cli("rules", "check", "custom.yml", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith("spillguard: error: custom.yml")
    assert "rule 'acme.token'" in result.output
    assert "field 'entropy': min must be a number from 0 to 8" in result.output
    assert "field 'remediation.revoke_url': must be an https:// URL" in result.output


def test_context_scored_rule() -> None:
    context = {"kinds": ["password", "secret"], "report": 0.4, "full": 0.8}
    rule, found = parse_rule(
        {**base(), "pattern": "(?P<name>acme_)(?P<secret>[a-z0-9]{20})", "context": context}, "custom.yml"
    )
    assert found == [] and rule is not None and rule.context is not None
    assert (rule.context.kinds, rule.context.report, rule.context.full, rule.context.name) == (
        ("password", "secret"),
        0.4,
        0.8,
        None,
    )


def test_file_rule_has_no_context() -> None:
    raw = {**file_rule(), "context": {"kinds": ["password"], "report": 0.5, "full": 0.7}, "anchored": True}
    assert problems(raw) == [
        "field 'context': does not apply to a file rule (one with `files`)",
        "field 'anchored': does not apply to a file rule (one with `files`)",
    ]
