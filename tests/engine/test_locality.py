"""Which rules decide a line by that line alone (scanner.engine.locality, scanner.engine.keyword_shapes):
what the history audit's line memo relies on, shown on patterns built to sit on each side of the line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from scanner.engine import locality
from scanner.engine.keyword_shapes import HELD, holds_keyword
from scanner.engine.locality import line_local, lookbehind_width
from scanner.engine.width import MAX_WINDOW, sre_parse
from scanner.model import Companion, FileMatch, Rule
from scanner.ruleset.loader import load_builtin_rules
from tests.rule_data import model_rule


def local(pattern: str, keywords: tuple[str, ...] = ("acme_",), **fields: Any) -> bool:
    return line_local(model_rule(pattern=pattern, keywords=keywords, max_width=0, **fields))


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?P<secret>acme_[a-z0-9]{20})",
        r"(?P<secret>acme_[^\s]{20})",  # a set that excludes the break
        r"(?i:acme_)(?P<secret>\w{20})(?![a-z])",
        r"(?m)^[ \t]{0,5}acme_(?P<secret>\w{20})$",  # anchors: the line's own edges are reproduced
        r"acme_(?P<secret>\w{20})[ \t]{0,9}(?:$|[\r\n#])",  # a break as the match's last character
        r"acme_(?P<secret>\w{20})(?=[^=])",  # a lookahead that may see the break after the line
        r"(?<=[\n ])acme_(?P<secret>\w{20})",  # a lookbehind that may see the break before it
        r"(?:(?P<q>['\"])acme_(?P<secret>\w{20})(?P=q))",  # a backreference to a group without breaks
        r"(?:acme_|ACME_)(?P<secret>\w{20})",
        r"(?P<secret>(?>acme_)\w{20})",  # atomic group
        r"(?P<secret>acme_\w{20})(?(1)x|y)",  # a conditional, both branches without breaks
        r"(?P<secret>acme_\w{20})(?:\n)?",  # an optional break at the very end
        r"(?s:acme_)(?P<secret>\w{20})",  # DOTALL over a part with no dot
        # `regex` lets both be named secret (Python's parser, which measures the width, does not:
        # it is given them renamed, engine.width.python_parsable)
        r"acme_(?P<secret>\w{20})|(?P<secret>acme-\w{20})",
        r"acme_(?P<secret>\w{20})()",  # an empty group last
        r"acme_(?P<secret>\w{20})(?>[\n])",
        r"(?<=())acme_(?P<secret>\w{20})",
        r"(?<=(?:\n|xy))acme_(?P<secret>\w{20})",
        r"(?<=[\n]?a)acme_(?P<secret>\w{20})",
        r"(?<=\bx)acme_(?P<secret>\w{20})",
    ],
)
def test_line_local_patterns(pattern: str) -> None:
    keywords = ("acme_", "acme-") if "acme-" in pattern else ("acme_",)
    assert local(pattern, keywords)


@pytest.mark.parametrize(
    "pattern",
    [
        r"acme_\s*=\s*(?P<secret>\w{20})",  # \s may hold a break anywhere
        r"acme_\n(?P<secret>\w{20})",  # a break inside the match
        r"acme_(?P<secret>[^\"]{20})",  # a negated set without the break
        r"acme_(?P<secret>.{20})(?s:.)x",  # a dot under DOTALL, then more
        r"(?s)acme_(?P<secret>.{20})x",
        r"acme_(?P<secret>\w{19}[\n])",  # the secret holds the break
        r"acme_(?P<secret>\w{20})\n$",  # something read after the break
        r"acme_(?P<secret>\w{20})(?:\n\n)?",  # two breaks at the end
        r"acme_(?P<secret>\w{20})[\n]{2}",
        r"acme_(?P<secret>\w{20})(?=\nx)",  # a lookahead past the break
        r"(?<=x\n)acme_(?P<secret>\w{20})",  # a lookbehind past the break
        r"(?<=\n(?:y|\n))acme_(?P<secret>\w{20})",
        r"(?P<q>[\n])acme_(?P<secret>\w{20})(?P=q)",  # a backreference to a group with a break
        r"acme_(?P<secret>\w{20})(?(1)\n|y)x",  # a conditional with a break, then more
        r"acme_(?P<secret>\w{20})(?(1)y|\n)x",
        r"acme_(?P<secret>\w{20})(?>\n)x",
        r"acme_(?P<secret>\w{20})(?:(?:\n)x)?",
    ],
)
def test_patterns_that_read_past_their_line_are_not_local(pattern: str) -> None:
    assert not local(pattern)


@pytest.mark.parametrize(
    ("pattern", "keywords"),
    [
        (r"(?P<secret>[a-z0-9]{20})", ("acme_",)),  # no keyword in the match
        (r"(?:acme_|token)(?P<secret>\w{20})", ("acme_",)),  # one alternative without it
        (r"acme(?P<secret>\w{20})", ("acme_",)),
        (r"ac(?:me)?_(?P<secret>\w{20})", ("acme_",)),  # `ac_` lacks it
        (r"(?=acme_)(?P<secret>\w{25})", ("acme_",)),  # a lookahead reads it; the match need not
        (r"(?:acme_)*(?P<secret>\w{20})", ("acme_",)),
    ],
)
def test_a_match_without_a_keyword_is_not_local(pattern: str, keywords: tuple[str, ...]) -> None:
    assert not local(pattern, keywords)


def test_rules_of_other_kinds_are_not_local() -> None:
    assert not local(r"(?P<secret>acme_\w{20})", keywords=())
    file_rule = model_rule(pattern="", keywords=(), files=FileMatch(paths=(r"\.env$",)))
    assert not line_local(file_rule)
    assert not local(r"(?P<secret>acme_\p{L}{20})")  # only `regex` reads it: its width is unknown
    assert not local(r"(?P<secret>acme_\w{20000})")  # wider than any window
    assert not line_local(model_rule(pattern=r"(?P<secret>acme_\w{20})", max_width=10))  # says less
    assert line_local(model_rule(pattern=r"(?P<secret>acme_\w{20})", max_width=25))


def test_companions() -> None:
    secret = r"(?P<secret>acme_\w{20})"
    assert local(secret, companion=Companion(r"ACMEID[0-9]{4}", 0))  # on the same line
    assert not local(secret, companion=Companion(r"ACMEID[0-9]{4}", 2))  # lines away
    assert not local(secret, companion=Companion(r"ACMEID\s[0-9]{4}", 0))  # may cross a break
    assert not local(secret, companion=Companion(r"ACMEID\p{N}{4}", 0))  # unreadable


@dataclass(frozen=True)
class _FutureRule(Rule):
    """A rule with a capability added after this analysis was written."""

    lookahead_lines: int = 0


def test_a_rule_capability_the_analysis_does_not_know_makes_a_rule_not_local() -> None:
    names = ("id", "name", "description", "severity", "confidence", "remediation", "examples", "source")
    fields = {name: getattr(model_rule(), name) for name in names}
    base = {**fields, "keywords": ("acme_",), "pattern": r"(?P<secret>acme_\w{20})", "max_width": 0}
    assert line_local(_FutureRule(**base))  # left at its default: nothing changes
    assert not line_local(_FutureRule(**base, lookahead_lines=2))
    # context scoring and anchored matching are known: they read nothing beyond the match's line
    assert line_local(_FutureRule(**base, anchored=True))


def test_anchored_context_scored_rules_are_line_local() -> None:
    """Matched at a keyword hit and judged on their line (engine.context reads no further): the generic
    rules for names people give credentials are decided by the line alone."""
    rules = [rule for rule in load_builtin_rules() if rule.anchored]
    assert len(rules) >= 5 and all(line_local(rule) for rule in rules)
    assert all(rule.context is not None for rule in rules)


def test_parts_the_analysis_does_not_follow(monkeypatch: pytest.MonkeyPatch) -> None:
    unknown = object()
    with pytest.raises(locality._Unknown):
        locality._set_has_newline([(unknown, None)])
    tree = locality._Tree("x")
    with pytest.raises(locality._Unknown):
        tree._item_newline_free(unknown, None, 0)
    monkeypatch.setattr(
        locality._Tree, "newline_at_end_only", lambda *_: tree._item_newline_free(unknown, 0, 0)
    )
    assert not local(r"(?P<secret>acme_\w{20})")


def test_sets() -> None:
    parsed = sre_parse.parse(r"[\d][\w-][\x00-\x20][^ab][^\n\r][\S\d][\s]")
    sets = [arg for op, arg in parsed if op is sre_parse.IN]
    assert [locality._set_has_newline(items) for items in sets] == [
        False, False, True, True, False, False, True,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("pattern", "width"),
    [
        ("acme_", 0),
        ("(?<=ab)acme_", 2),
        ("(?<![A-Za-z0-9])acme_(?=x)", 1),
        ("(?:(?<=abc)x|y)+", 3),
        ("((?<=a)x)(?(1)(?<=bcd)y|z)(?(1)w)", 3),
        ("(?>(?<=ab)c)(?!(?<=abcde)f)", 5),
        (r"(?<=\p{L})x", None),
        ("(?<=a+)x", None),  # a lookbehind of any width (`regex` reads it): no bound
    ],
)
def test_lookbehind_width(pattern: str, width: int | None) -> None:
    assert lookbehind_width(pattern) == width


@pytest.mark.parametrize(
    ("pattern", "keywords", "held"),
    [
        ("acme_", ("acme_",), True),
        ("ACME_", ("acme_",), True),  # the prefilter ignores case
        ("[aA]cme_", ("acme_",), True),
        ("a[cC]me_x", ("acme_",), True),
        ("[a-c]cme_", ("acme_",), False),  # a range: any of its characters
        ("(?:ghp|gho)_", ("ghp_", "gho_"), True),
        ("(?:ghp|ghx)_", ("ghp_", "gho_"), False),
        ("xx(?:a|b)?cme_", ("acme_",), False),
        ("x(?:a)cme_", ("acme_",), True),
        ("(?>acme)_", ("acme_",), True),
        ("acme(?:_)?", ("acme_",), False),
        ("acme(?:_){1}", ("acme_",), True),
        ("(?:acme_){2,5}", ("acme_",), True),  # the first copy is always there
        ("(?:acme_){0,5}", ("acme_",), False),
        ("(?:acme_)+x", ("acme_",), True),
        ("\\bacme_\\b", ("acme_",), True),
        ("(?=x)acme_(?!y)", ("acme_",), True),
        ("ac.me_", ("acme_",), False),
        ("a.*cme_", ("cme_",), True),
        ("x" * 40 + "acme_", ("acme_",), True),  # a long known prefix is cut, not lost
        ("x" * 40 + "\\w" + "y" * 40, ("acme_",), False),
        ("".join(f"[ab]{{1}}(?:{c}|{c.upper()})" for c in "abcdefgh"), ("zz",), False),  # too many
        ("[abcdefghijklmnop][abcdefghijklmnop][abc]", ("zz",), False),
        ("(?:" + "|".join(f"w{n}" for n in range(300)) + ")acme_", ("acme_",), True),
    ],
)
def test_holds_keyword(pattern: str, keywords: tuple[str, ...], held: bool) -> None:
    assert holds_keyword(sre_parse.parse(pattern), keywords) is held


def test_shapes_internals() -> None:
    from scanner.engine.keyword_shapes import _ANY, _EMPTY, _Shapes

    shapes = _Shapes(("abc",))
    assert shapes._normal(HELD) == HELD
    assert shapes._normal(("xabcx",)) == HELD
    assert shapes._normal(()) == ()
    assert shapes._normal(("xy",)) == ("xy",)
    assert shapes._normal(("wxyz",)) == ("wxyz",)
    assert shapes._normal(("vwxyz",)) == ("vw", None, "yz")
    assert shapes._normal((None,)) == (None,)
    assert shapes._normal(("xyz", None, "uvw")) == ("xy", None, "vw")
    assert shapes.then(frozenset({HELD}), _ANY) == {HELD} == shapes.then(_ANY, frozenset({HELD}))
    assert shapes._joined(HELD, ("x",)) == HELD == shapes._joined(("x",), HELD)
    assert shapes._joined(("a", None), (None, "b")) == ("a", None, "b")
    assert shapes._joined(("a",), ("b",)) == ("ab",)
    assert shapes._joined(("a", None), ("b",)) == ("a", None, "b")
    assert shapes.of(sre_parse.parse("")) == _EMPTY


def test_most_built_in_rules_are_line_local_and_the_frequent_generic_ones_are() -> None:
    rules = [rule for rule in load_builtin_rules() if rule.files is None]
    found = {rule.id: line_local(rule) for rule in rules}
    assert sum(found.values()) >= 0.7 * len(rules)
    for rule_id in ("generic.password-assignment", "generic.token-assignment", "github.pat-classic"):
        assert found[rule_id], rule_id
    for rule_id in ("private-key.rsa", "aws.secret-access-key-pair", "leak.github-actions-env"):
        assert not found[rule_id], rule_id


def test_renamed_secret_groups_and_flags_in_force() -> None:
    tree = locality._Tree(r"(?s:x(?P<secret>.))|(?P<secret>y)")
    assert len(tree.secret_groups) == 2
    assert not tree.secret_newline_free()  # the first sits where DOTALL is in force
    assert re.compile("x") is not None
    assert MAX_WINDOW > 0


def test_necessary_literals_of_patterns() -> None:
    """Texts one of which every match holds (ASCII letters lowered), or None when a match may hold none."""
    from scanner.engine.locality import rule_literals

    found = rule_literals(r"os\.environ\.get\([^,]+,\s*(?P<secret>\w+)\)")
    assert found is not None and any("environ.get(" in literal for literal in found)
    both = rule_literals(r"(?i:AKIA|ASIA)[A-Z0-9]{16}")
    assert both is not None and {"akia", "asia"} <= both
    assert rule_literals(r"(?P<secret>\w{20,40})") is None  # nothing a match must hold
    assert rule_literals(r"x|\w+") is None  # one branch without a literal
    assert rule_literals("(?P<secret>") is None  # not a pattern Python's parser reads


def test_every_match_of_a_built_in_example_holds_one_of_its_rules_literals() -> None:
    """What the history memo's regions rely on to skip a rule in a text (engine.regions): checked on
    every positive example of every rule that is not line-local, with the engine's own patterns."""
    from scanner.engine.locality import rule_literals
    from scanner.ruleset.compiled import CompiledRuleset
    from scanner.ruleset.loader import load_rules

    rules = load_rules()
    index = CompiledRuleset(rules, "pyahocorasick")
    checked = 0
    for position, rule in enumerate(index.rules):
        if rule.files is not None or not rule.keywords or line_local(rule):
            continue
        literals = rule_literals(rule.pattern)
        companion = rule_literals(rule.companion.pattern) if rule.companion is not None else None
        for example in rule.examples.positive:
            lowered = example.lower()
            matches = list(index.pattern(position).finditer(example))
            for found in matches:
                if literals is not None:
                    assert any(literal in found.group(0).lower() for literal in literals), rule.id
                    checked += 1
            if matches and companion is not None:
                assert any(literal in lowered for literal in companion), rule.id
                checked += 1
    assert checked >= 50
