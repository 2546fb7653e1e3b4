"""Both prefilter backends give the same hits; no keywords means no hits; `auto` falls back to
pyahocorasick when Hyperscan is not installed."""

from __future__ import annotations

import sys

import pytest

from scanner.engine.prefilter import (
    AhoCorasickPrefilter,
    HyperscanPrefilter,
    available_backends,
    build_prefilter,
    resolve_backend,
)

KEYWORDS = ("ghp_", "akia", "xoxb-")
TEXT = "x = 'GHP_abc' and AKIA1234 then xoxb-1 ghp_"
EXPECTED = [(5, 0), (18, 1), (32, 2), (39, 0)]

needs_hyperscan = pytest.mark.skipif(
    "hyperscan" not in available_backends(), reason="hyperscan not installed"
)


def test_aho_corasick_hits_are_case_insensitive_starts() -> None:
    assert sorted(AhoCorasickPrefilter(KEYWORDS).hits(TEXT)) == EXPECTED
    assert list(AhoCorasickPrefilter(()).hits(TEXT)) == []


@needs_hyperscan
def test_hyperscan_gives_the_same_hits_and_round_trips() -> None:
    built = build_prefilter(KEYWORDS, "hyperscan")
    assert isinstance(built, HyperscanPrefilter)
    assert sorted(built.hits(TEXT)) == EXPECTED
    data = built.serialize()
    assert data is not None
    assert sorted(HyperscanPrefilter(KEYWORDS, serialized=data).hits(TEXT)) == EXPECTED
    empty = HyperscanPrefilter(())
    assert list(empty.hits(TEXT)) == [] and empty.serialize() is None


def test_auto_without_hyperscan_is_aho_corasick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hyperscan", None)  # makes `import hyperscan` raise ImportError
    assert available_backends() == ("pyahocorasick",)
    assert resolve_backend("auto") == "pyahocorasick"
    assert isinstance(build_prefilter(KEYWORDS, "auto"), AhoCorasickPrefilter)
    assert resolve_backend("hyperscan") == "hyperscan"
