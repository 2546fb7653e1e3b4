"""The longest text a pattern can match (scanner.engine.width), which sizes the engine's windows and
which the line memo's locality proof reads."""

from __future__ import annotations

import pytest
import regex

from scanner.engine.width import UNBOUNDED, max_match_width, python_parsable


@pytest.mark.parametrize(
    ("pattern", "width"),
    [
        (r"acme_[a-z0-9]{20}", 25),
        (r"(?:acme_|ACME-)(?P<secret>\w{20})(?![a-z])", 25),
        (r"acme_\w+", UNBOUNDED),
        # `regex` lets several alternatives name their group `secret`; the width is the widest's
        (r"a(?P<secret>\w{20})|bb(?P<secret>\w{30})", 32),
        (r'(?:"(?P<secret>[^"]{16,256})"|\'(?P<secret>[^\']{16,256})\')', 258),
    ],
)
def test_widths(pattern: str, width: int) -> None:
    assert max_match_width(pattern) == width


def test_syntax_only_regex_knows_has_no_width() -> None:
    assert max_match_width(r"(?P<secret>acme_\p{L}{20})") is None
    assert max_match_width(r"(?P<secret>acme_\w{20}(?&x)?)(?<x>z)") is None


def test_renamed_groups_match_what_the_pattern_matches() -> None:
    pattern = r"a(?P<secret>\w{3})|b(?P<secret>\d{2})"
    renamed = python_parsable(pattern)
    assert renamed == r"a(?P<secret>\w{3})|b(?P<secret1>\d{2})"
    for text in ("axyz", "b12", "b1", "q"):
        one, other = regex.fullmatch(pattern, text), regex.fullmatch(renamed, text)
        assert (one and one.group(0)) == (other and other.group(0))
