"""The compiled ruleset: keyword tables, widths computed once, pickling (for pools without fork), and
loading user rule files without the built-in ones."""

from __future__ import annotations

import pickle
from pathlib import Path

import yaml

from scanner.engine.scan import scan_chunk
from scanner.engine.width import MAX_WINDOW
from scanner.model import Chunk, Policy, Rule
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules
from tests.rule_data import acme_rule

RULE = acme_rule()
TEXT = "ACME=acme_q8w7e6r5t4y3u2i1o0pz\n"


def user_rules(tmp_path: Path, *extra: dict[str, object]) -> CompiledRuleset:
    path = tmp_path / "custom.yml"
    path.write_text(yaml.safe_dump({"rules": [RULE, *extra]}))
    return CompiledRuleset(load_rules((str(path),), include_builtin=False), "pyahocorasick")


def test_only_user_rules_and_their_keyword_tables(tmp_path: Path) -> None:
    ruleset = user_rules(tmp_path)
    assert [rule.id for rule in ruleset.rules] == ["acme.token"]
    assert ruleset.keywords[: ruleset.plain_keywords] == ("acme_",)
    assert len(ruleset.keywords) > ruleset.plain_keywords  # base64 forms of the keyword follow
    assert ruleset.keyword_rules[0] == (0,) and ruleset.keyword_lengths[0] == 5
    (finding,) = scan_chunk(Chunk("a.env", TEXT), ruleset, Policy()).findings
    assert (finding.rule_id, finding.location.column) == ("acme.token", 6)


def test_widths_are_computed_once_and_capped(tmp_path: Path) -> None:
    ruleset = user_rules(tmp_path)
    assert ruleset.widths == [25]  # user rules are measured when loaded
    assert ruleset.width(0) == 25
    built_in = CompiledRuleset(load_rules(), "pyahocorasick")
    position = next(i for i, rule in enumerate(built_in.rules) if rule.id == "github.pat-classic")
    assert built_in.widths[position] == 0  # built-in rules: measured on first use
    first = built_in.width(position)
    assert 40 <= first <= MAX_WINDOW and built_in.widths[position] == first == built_in.width(position)


def test_pickled_ruleset_rebuilds_and_scans_the_same(tmp_path: Path) -> None:
    ruleset = user_rules(tmp_path)
    expected = scan_chunk(Chunk("a.env", TEXT), ruleset, Policy()).findings
    copy = pickle.loads(pickle.dumps(ruleset))
    assert copy.rules == ruleset.rules and copy.backend == "pyahocorasick"
    assert scan_chunk(Chunk("a.env", TEXT), copy, Policy()).findings == expected != ()


def test_spellings_come_from_the_patterns_own_case() -> None:
    from scanner.ruleset.tables import _spellings
    from tests.rule_data import model_rule

    def rule(pattern: str) -> Rule:
        return model_rule(id="acme.key", keywords=("aiza",), pattern=pattern)

    assert _spellings((rule("(?P<secret>AIza[0-9]{4}|aizA[0-9]{2})"),)) == {"aiza": {"AIza", "aizA"}}
    assert _spellings((rule("\u0130(?P<secret>AIza[0-9]{4})"),)) == {}  # İ lowers to two characters
