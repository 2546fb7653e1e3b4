"""Which rules are line-local is proven once per rule set and kept in the user cache
(scanner.ruleset.locality_cache): a repeated audit reads it back; a damaged entry is proven again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scanner import user_cache
from scanner.engine.locality import line_local
from scanner.engine.region_facts import RegionFacts, region_facts
from scanner.model import Rule
from scanner.rule import rules_repr
from scanner.ruleset import locality_cache
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules


def test_locality_is_proven_once_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path))
    rules = load_rules()
    expected = tuple(line_local(rule) for rule in rules)
    assert CompiledRuleset(rules, "pyahocorasick").locality == expected
    (entry,) = tmp_path.glob("line-local-*.txt")
    assert entry.read_bytes() == bytes(ord("1") if local else ord("0") for local in expected)
    monkeypatch.setattr(locality_cache, "line_local", lambda _rule: pytest.fail("proven again"))
    assert locality_cache.cached_locality(rules) == expected


@pytest.mark.parametrize("damage", [b"", b"01", b"x" * 1000])
def test_a_damaged_entry_is_proven_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes
) -> None:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path))
    rules = load_rules()
    user_cache.write(locality_cache._entry(rules), damage)
    assert locality_cache.cached_locality(rules) == tuple(line_local(rule) for rule in rules)


def test_an_index_built_without_a_cache_proves_it_itself() -> None:
    from scanner.engine.lines import restricted

    rules = load_rules()
    base = CompiledRuleset(rules, "pyahocorasick")
    assert restricted(base, 0).locality == tuple(line_local(rule) for rule in rules)


def test_a_changed_proof_is_not_answered_by_an_older_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry is keyed by the proof's source: an entry an earlier proof wrote (here, every rule
    called local) is not read once the proof's modules change."""
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path))
    rules = load_rules()
    old = locality_cache._entry(rules)
    user_cache.write(old, b"1" * len(rules))
    monkeypatch.setattr(locality_cache, "_proof_source", lambda: "a later proof")
    assert locality_cache._entry(rules) != old
    assert locality_cache.cached_locality(rules) == tuple(line_local(rule) for rule in rules)
    assert not all(locality_cache.cached_locality(rules))


def _some_rules() -> tuple[Rule, ...]:
    """A few rules, some of them not line-local: worked out in a fraction of a second."""
    wanted = {
        "aws.secret-access-key-pair",
        "leak.env-fallback-python",
        "github.pat-classic",
        "private-key.rsa",
    }
    return tuple(rule for rule in load_rules() if rule.id in wanted)


def _facts(rules: tuple[Rule, ...]) -> dict[int, RegionFacts]:
    local = tuple(line_local(rule) for rule in rules)
    return {p: region_facts(rule) for p, rule in enumerate(rules) if not local[p]}


def test_region_facts_are_worked_out_once_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path))
    rules = _some_rules()
    expected = _facts(rules)
    assert CompiledRuleset(rules, "pyahocorasick").known_region_facts == expected
    assert len(expected) >= 2 and any(facts.literals for facts in expected.values())
    monkeypatch.setattr(
        "scanner.engine.region_facts.region_facts", lambda _rule: pytest.fail("worked out again")
    )
    assert locality_cache.cached_region_facts(rules, tuple(line_local(rule) for rule in rules)) == expected


@pytest.mark.parametrize(
    "damage", [b"not json", b"[1, 2]", b'{"0": 5}', b'{"0": ["x", []]}', b'{"0": [3, [[1]]]}']
)
def test_damaged_region_facts_are_worked_out_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes
) -> None:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path))
    rules = _some_rules()
    user_cache.write(locality_cache._entry(rules, "region-facts", "json"), damage)
    local = tuple(line_local(rule) for rule in rules)
    assert locality_cache.cached_region_facts(rules, local) == _facts(rules)


def test_an_index_built_without_a_cache_works_region_facts_out_itself() -> None:
    from scanner.engine.lines import restricted
    from scanner.engine.regions import _Rule

    rules = _some_rules()
    base = CompiledRuleset(rules, "pyahocorasick")
    position = next(p for p, rule in enumerate(rules) if rule.id == "aws.secret-access-key-pair")
    index = restricted(base, position)
    assert index.known_region_facts == {}
    facts = region_facts(rules[position])
    assert _Rule(index, position).behind == facts.behind is not None
    assert _Rule(index, position).literals == tuple(
        tuple(t.encode() for t in group) for group in facts.literals
    )


@pytest.mark.parametrize("count", [0, 1, 2, 307])
def test_the_cache_keys_are_made_of_each_rules_repr(count: int) -> None:
    """The keys are built from each rule's repr worked out once (`Rule.key_text`): the same text as
    repr() of the tuple or list, so a key is what it was when repr() built it, and changes with any
    field of any rule."""
    rules = load_rules()[:count]
    assert rules_repr(rules) == repr(rules)
    assert rules_repr(list(reversed(rules)), as_list=True) == repr(list(reversed(rules)))
    if rules:
        changed = (replace(rules[0], description=rules[0].description + "."), *rules[1:])
        assert locality_cache._entry(changed) != locality_cache._entry(rules)
