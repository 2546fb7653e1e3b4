"""The first-character guard never changes what a pattern matches, only where it starts looking."""

from __future__ import annotations

import string

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.firstset import _OTHER_FOLDS, guarded
from scanner.ruleset.loader import load_rules

RULES = [rule for rule in load_rules() if rule.pattern]


def _matches(pattern: str, text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    compiled = regex.compile(pattern)
    return [(m.span(), m.span("secret")) for m in compiled.finditer(text)]


def test_most_built_in_rules_get_a_guard() -> None:
    guarded_rules = [rule.id for rule in RULES if guarded(rule.pattern) != rule.pattern]
    assert len(guarded_rules) > len(RULES) * 3 // 4
    assert "leak.dockerfile-env-arg" in guarded_rules


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_example_matches_the_same_with_the_guard(rule) -> None:
    for example in (*rule.examples.positive, *rule.examples.negative):
        assert _matches(guarded(rule.pattern), example) == _matches(rule.pattern, example)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("(?P<secret>a*)", "(?P<secret>a*)"),  # can match the empty string: no guard
        (r"(?P<secret>\w{4})", r"(?P<secret>\w{4})"),  # a category: not followed
        (r"(?P<secret>.x)", r"(?P<secret>.x)"),  # any character
        ("(?m)^(?P<secret>ab)", "(?m)(?=[a])^(?P<secret>ab)"),  # the global flag group stays first
        ("(?i:k)(?P<secret>x)", "(?=[Kk\\\u212a])(?i:k)(?P<secret>x)"),  # and the Kelvin sign
        ("(?<!x)(?:ab|cd)?(?P<secret>e)", "(?=[ace])(?<!x)(?:ab|cd)?(?P<secret>e)"),
        ("(?P<secret>[^a]b)", "(?P<secret>[^a]b)"),
        ("(?>ab|c)(?P<secret>x)", "(?=[ac])(?>ab|c)(?P<secret>x)"),  # an atomic group
        ("(?>a?)(?P<secret>x)", "(?=[ax])(?>a?)(?P<secret>x)"),  # ... that can be empty
        ("(?i:\u00e9)(?P<secret>x)", "(?i:\u00e9)(?P<secret>x)"),  # non-ASCII case folding: not followed
        ("(?P<secret>[a-e]{2})", "(?=[abcde])(?P<secret>[a-e]{2})"),  # a narrow range, spelled out
    ],
)
def test_guard_shapes(pattern: str, expected: str) -> None:
    assert guarded(pattern) == expected


def test_other_folds_are_every_code_point_regex_folds_onto_an_ascii_letter() -> None:
    found = {}
    for letter in string.ascii_lowercase:
        compiled = regex.compile(f"(?i){letter}")
        others = "".join(chr(c) for c in range(0x80, 0x10000) if compiled.fullmatch(chr(c)))
        if others:
            found[letter] = others
    assert found == _OTHER_FOLDS


# A `name = value` pattern of the shape the generic rules had before context scoring (an alternation
# whose branches open with a word boundary, a lookbehind or a group): the guard's hardest case.
TOKEN_PATTERN = "(?:(?:\\b(?:ENV|ARG)[ \\t]{1,10}[A-Za-z0-9_]{0,40}?(?i:token)[ \\t]{1,10}|(?i:token)(?:\\\\?[\"'`])?\\]?(?:[ \\t]{0,3}:[ \\t]{0,3}[A-Za-z_][A-Za-z0-9_.\\[\\]| ]{0,30}?(?=[ \\t]{0,3}=[^=]))?[ \\t]{0,5}(?:=(?![=~>])|:=|:(?![:=])|=>)[ \\t]{0,5})(?:(?i:[bru]{0,2})\\\\?[\"'`]|(?=[A-Za-z0-9_+/=!@#$%^*.~:?|-]{0,99}[0-9]))|(?:\\([ \\t]{0,3}\\\\?[\"'][A-Za-z0-9_.-]{0,40}?(?i:token)\\\\?[\"'][ \\t]{0,3},|(?i:token)\\\\?[\"'][ \\t]{1,3}(?i:value)[ \\t]{0,3}=)[ \\t]{0,5}(?i:[bru]{0,2})\\\\?[\"'`]|<(?:[A-Za-z0-9_-]{1,20}:)?[A-Za-z0-9_.-]{0,40}?(?i:token)>)(?P<secret>[A-Za-z0-9_+/!^~-][A-Za-z0-9_+/=!@#$%^*.~:?|-]{7,99})(?:\\\\?[\"'`]|</|[ \\t]{0,20}(?:$|[\\r\\n#;\"'`\\\\])|[ \\t]{1,5}--?[A-Za-z])"  # noqa: E501
PIECES = ["token", "TOKEN", " = ", ": ", '"', "'", "(", "<", "ENV ", "\n", "x9Zk2LmQp8Wv", "_", "-", "ſ"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_guard_is_invisible_on_token_like_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert guarded(TOKEN_PATTERN) != TOKEN_PATTERN
    assert _matches(guarded(TOKEN_PATTERN), text) == _matches(TOKEN_PATTERN, text)
