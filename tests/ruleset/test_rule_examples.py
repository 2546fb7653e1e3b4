"""Every built-in rule's own examples, run through the whole engine: one test per rule, generated from
the YAML, so a new rule brings its tests by existing."""

from __future__ import annotations

import pytest

from scanner.engine.prefilter import available_backends
from scanner.model import Rule
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import builtin_rule_files, load_rule_file, load_rules
from scanner.ruleset.selftest import check_rule

RULES: tuple[Rule, ...] = tuple(r for path in builtin_rule_files() for r in load_rule_file(path))


def test_there_are_at_least_forty_rules() -> None:
    assert len(RULES) >= 40


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_examples(rule: Rule, ruleset: CompiledRuleset) -> None:
    assert check_rule(rule, ruleset) == []


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_has_remediation_and_references(rule: Rule) -> None:
    assert rule.remediation.summary and len(rule.remediation.rotate) >= 2
    assert rule.references, "cite the provider's documentation of the format"


@pytest.mark.skipif("hyperscan" not in available_backends(), reason="hyperscan not installed")
def test_backends_give_identical_hits() -> None:
    rules = load_rules()
    aho = CompiledRuleset(rules, "pyahocorasick").prefilter
    hs = CompiledRuleset(rules, "hyperscan").prefilter
    texts = [e for r in rules for e in r.examples.positive + r.examples.negative]
    texts.append("ÄÖ ünïcödé GHP_ gHp_ Ghp_ ghp_ " * 3)
    for text in texts:
        assert sorted(aho.hits(text)) == sorted(hs.hits(text))
