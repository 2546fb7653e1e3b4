"""Which rules are line-local is proven once per rule set and kept in the user cache
(scanner.ruleset.locality_cache): a repeated audit reads it back; a damaged entry is proven again."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner import user_cache
from scanner.engine.locality import line_local
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
