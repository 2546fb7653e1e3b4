"""The compiled Hyperscan database is cached on disk and reused; a bad cache file is never trusted."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine.prefilter import available_backends
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules
from tests.tokens import github_token

pytestmark = pytest.mark.skipif("hyperscan" not in available_backends(), reason="hyperscan not installed")


def test_cached_database_gives_the_same_hits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path))
    rules = load_rules()
    text = f"token = '{github_token()}'\nAKIA password: ÄÖ\n"
    compiled = CompiledRuleset(rules, "hyperscan")
    assert not list(tmp_path.glob("hyperscan-*.db"))  # the prefilter is built on first use
    expected = list(compiled.prefilter.hits(text))
    (cached_file,) = tmp_path.glob("hyperscan-*.db")
    loaded = CompiledRuleset(rules, "hyperscan")
    assert list(loaded.prefilter.hits(text)) == expected != []
    cached_file.write_bytes(b"not a hyperscan database")
    rebuilt = CompiledRuleset(rules, "hyperscan")  # compiles again, and rewrites the file
    assert list(rebuilt.prefilter.hits(text)) == expected
    assert cached_file.read_bytes() != b"not a hyperscan database"


def test_unwritable_cache_dir_still_scans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(blocker / "sub"))
    ruleset = CompiledRuleset(load_rules(), "hyperscan")
    assert list(ruleset.prefilter.hits(github_token()))
