"""The user-cache entry of the validated built-in rule set: identical rules, never trusted when broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.ruleset.loader import builtin_rule_files, load_builtin_rules, load_rule_file
from scanner.ruleset.serial import rules_from_json, rules_to_json


def _from_files() -> tuple[object, ...]:
    return tuple(r for path in builtin_rule_files() for r in load_rule_file(path, compile_patterns=False))


def test_round_trip_gives_equal_rules() -> None:
    rules = load_builtin_rules()
    assert rules_from_json(rules_to_json(rules)) == rules
    assert any(r.files is not None for r in rules) and any(r.paths for r in rules)  # every shape is covered
    assert any(r.companion is not None for r in rules)


def test_cached_entry_is_written_then_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path))
    first = load_builtin_rules()
    (entry,) = tmp_path.glob("builtin-rules-*.json")
    assert first == _from_files()
    assert load_builtin_rules() == first
    entry.write_bytes(b'[{"id": "not a rule"}]')  # does not decode: the files are loaded again
    assert load_builtin_rules() == first


def _one_rule_with(**change: object) -> bytes:
    raw = json.loads(rules_to_json(load_builtin_rules()[:1]))
    raw[0].update(change)
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{}",
        b"[1]",
        b'[{"id": 1}]',
        b"\xff",
        _one_rule_with(keywords=[1]),
        _one_rule_with(severity="x"),
        _one_rule_with(companion={"pattern": 1, "within_lines": 2}),
        _one_rule_with(companion={"pattern": "x"}),
    ],
)
def test_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        rules_from_json(data)
