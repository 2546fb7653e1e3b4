"""The prefilter's keyword tables, derived once and kept in the user cache: a cached entry gives the
same tables as a fresh derivation, and an entry that is damaged, or that belongs to other rules, is
derived again, never trusted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.ruleset.loader import load_rules
from scanner.ruleset.tables import _derive, _entry, keyword_tables


@pytest.fixture()
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_cached_tables_equal_derived_ones(user_cache: Path) -> None:
    rules = load_rules()
    first = keyword_tables(rules, "pyahocorasick")
    assert (user_cache / _entry(rules)).is_file()
    again = keyword_tables(rules, "pyahocorasick")
    derived = _derive(rules)
    for tables in (first, again):
        assert tables.keywords == derived.keywords and tables.rules == derived.rules
        assert (tables.plain, tables.containers, tables.url_forms) == (
            derived.plain,
            derived.containers,
            derived.url_forms,
        )
        assert tables.lengths == tuple(len(k) for k in derived.keywords)
    assert "ghp_" in again.keywords[: again.plain]
    assert list(again.prefilter.hits("x = 'ghp_'")) == list(first.prefilter.hits("x = 'ghp_'")) != []


@pytest.mark.parametrize(
    "damage",
    [
        b"not json",
        b"[1, 2]",
        b'[["a"], 1, 1, 1, [[0]]]',  # keywords of other rules
        b'[["ghp_"], 1, 0, 1, [[0]]]',  # counts out of order
    ],
)
def test_damaged_entry_is_derived_again(user_cache: Path, damage: bytes) -> None:
    rules = load_rules()
    (user_cache / _entry(rules)).write_bytes(damage)
    tables = keyword_tables(rules, "pyahocorasick")
    assert tables.keywords == _derive(rules).keywords
    assert (user_cache / _entry(rules)).read_bytes() != damage  # rewritten


def test_positions_beyond_the_rules_are_not_trusted(user_cache: Path) -> None:
    rules = load_rules()
    derived = _derive(rules)
    fields = json.loads(derived.to_json())
    fields[4][0] = [*fields[4][0], len(rules) + 5]  # the first keyword points past the last rule
    (user_cache / _entry(rules)).write_text(json.dumps(fields))
    assert keyword_tables(rules, "pyahocorasick").rules == derived.rules
