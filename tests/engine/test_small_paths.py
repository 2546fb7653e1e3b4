"""Edge cases of the small engine modules: entropy, line positions, file rules, placeholder runs."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from scanner.engine.entropy import shannon_entropy
from scanner.engine.file_rules import scan_path
from scanner.engine.filters import is_placeholder
from scanner.engine.positions import LineIndex, line_bounds
from scanner.model import Policy
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.schema import parse_rule


def test_entropy_of_empty_uniform_and_mixed_values() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0
    assert math.isclose(shannon_entropy("aab"), -(2 / 3) * math.log2(2 / 3) - (1 / 3) * math.log2(1 / 3))


def test_line_index_answers_offsets_in_any_order() -> None:
    text = "ab\ncd\r\nef\n"
    index = LineIndex(text, first_line=10)
    assert index.locate(8) == (12, 2)
    assert index.locate(1) == (10, 2)  # backwards: starts again from the top
    assert index.locate(4) == (11, 2)
    assert line_bounds(text, 4, 4) == (3, 6)
    assert line_bounds("no newline", 3, 5) == (0, 10)


def file_ruleset(**extra: Any) -> CompiledRuleset:
    raw = {
        "id": "acme.config-file",
        "name": "Acme config",
        "description": "A file holding Acme credentials.",
        "severity": "high",
        "confidence": "medium",
        "files": {"paths": [r"(^|/)\.acme$"], **extra.pop("files", {})},
        "remediation": {"summary": "Remove it.", "rotate": ["Rotate the key."]},
        "examples": {"positive": [".acme"], "negative": ["acme.txt"]},
        **extra,
    }
    rule, problems = parse_rule(raw, "custom.yml")
    assert rule is not None, problems
    return CompiledRuleset((rule,), "pyahocorasick")


def test_file_rule_path_allowlist_drops_the_file() -> None:
    ruleset = file_ruleset(allowlist={"paths": ["fixtures/*"]})
    assert [f.location.path for f in scan_path("app/.acme", "x", ruleset, Policy())] == ["app/.acme"]
    assert scan_path("fixtures/.acme", "x", ruleset, Policy()) == ()


def test_file_rule_content_needs_the_text_and_a_match() -> None:
    ruleset = file_ruleset(files={"content": "^key="})
    assert scan_path(".acme", None, ruleset, Policy()) == ()
    assert scan_path(".acme", "name=x\n", ruleset, Policy()) == ()
    (finding,) = scan_path(".acme", "key=1\n", ruleset, Policy(), commit="c" * 40, blob="b" * 40)
    assert (finding.location.line, finding.location.commit, finding.preview) == (1, "c" * 40, ".acme")


def test_file_rule_content_timeout_is_no_finding_and_no_hang() -> None:
    ruleset = file_ruleset(files={"content": "(?:a|a){1,60}(?:a|a){1,60}b"})  # exponential backtracking
    started = time.monotonic()
    assert scan_path(".acme", "a" * 60 + "c", ruleset, Policy(regex_timeout=0.05)) == ()
    assert time.monotonic() - started < 5  # cut by the timeout, not hours of backtracking


@pytest.mark.parametrize(("value", "expected"), [("zzzzzzzzzzzz", True), ("z", True), ("zq", False)])
def test_one_repeated_character_is_a_placeholder(value: str, expected: bool) -> None:
    assert is_placeholder(value) is expected
