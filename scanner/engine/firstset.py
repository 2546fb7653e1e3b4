"""The characters a pattern's match can start with, turned into a lookahead guard.

A rule's regex runs over every position of its windows. The `regex` module skips positions that cannot
start a match only when it can tell the first character itself; an alternation whose branches open
with a word boundary, a lookbehind or a group defeats it, and the generic `name = value` rules are such
alternations. Prefixing `(?=[first characters])` lets each position be rejected by one set lookup:
about twice as fast on text where their keywords are dense. The set is computed from Python's `re`
parser and errs only towards more characters; whatever it cannot follow gives no guard at all.
"""

from __future__ import annotations

import re
from typing import Any

import regex

from scanner.engine.width import sre_parse

MAX_FIRST = 48  # a larger set rejects too few positions to pay for the lookahead
_LEADING_FLAGS = re.compile(r"\(\?[a-zA-Z]+\)")  # a global inline flag group must stay first
_c: Any = sre_parse  # re._parser re-exports the opcode constants


# Besides their other case, the code points that `regex`'s case-insensitive matching takes for an ASCII
# letter (Unicode simple case folding; tests/engine/test_firstset.py recomputes this over all of it).
_OTHER_FOLDS = {"i": "\u0130", "k": "\u212a", "s": "\u017f"}


class _Unknown(Exception):
    """Part of the pattern this analysis does not follow."""


def _in_set(items: list[Any], chars: set[str]) -> None:
    for op, arg in items:
        if op is _c.LITERAL:
            chars.add(chr(arg))
        elif op is _c.RANGE and arg[1] - arg[0] < MAX_FIRST:
            chars.update(chr(code) for code in range(arg[0], arg[1] + 1))
        else:  # NEGATE, CATEGORY (\w, \d), wide ranges
            raise _Unknown


def _first(items: Any, ignore_case: bool, plain: set[str], folded: set[str]) -> bool:
    """Adds the characters a match of the sequence `items` can start with to `plain` (or `folded`,
    compared case-insensitively); True when the sequence can match the empty string."""
    for op, arg in items:
        if op is _c.LITERAL or op is _c.IN:
            target = folded if ignore_case else plain
            if op is _c.LITERAL:
                target.add(chr(arg))
            else:
                _in_set(arg, target)
            return False
        if op is _c.AT or op is _c.ASSERT or op is _c.ASSERT_NOT:
            continue  # zero width: the next item decides (a superset is safe)
        if op is _c.BRANCH:
            if not any([_first(branch, ignore_case, plain, folded) for branch in arg[1]]):
                return False
            continue
        if op is _c.SUBPATTERN:
            _group, add, remove, body = arg
            case = (ignore_case or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
            if not _first(body, case, plain, folded):
                return False
            continue
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, _high, body = arg
            if not _first(body, ignore_case, plain, folded) and low > 0:
                return False
            continue
        if op is getattr(_c, "ATOMIC_GROUP", None):
            if not _first(arg, ignore_case, plain, folded):
                return False
            continue
        raise _Unknown  # ANY, NOT_LITERAL, group references, conditionals
    return True


def _case_variants(chars: set[str]) -> set[str]:
    """Every character a case-insensitive match of one of `chars` can meet; only ASCII is followed."""
    found: set[str] = set()
    for char in chars:
        if not char.isascii():
            raise _Unknown
        lower = char.lower()
        found.update({lower, char.upper(), *_OTHER_FOLDS.get(lower, "")})
    return found


def _char_class(chars: set[str]) -> str:
    return "[" + "".join(regex.escape(c, special_only=False) for c in sorted(chars)) + "]"


def guarded(pattern: str) -> str:
    """`pattern` with a lookahead for its possible first characters, or `pattern` itself when they
    cannot be told, are too many, or it can match the empty string."""
    try:
        parsed = sre_parse.parse(pattern)
        plain: set[str] = set()
        folded: set[str] = set()
        ignore_case = bool(parsed.state.flags & re.IGNORECASE)
        if _first(parsed, ignore_case, plain, folded):
            return pattern
        chars = plain | _case_variants(folded)
    except (_Unknown, re.error, RecursionError, OverflowError, ValueError, TypeError):
        return pattern
    if not chars or len(chars) > MAX_FIRST:
        return pattern
    guard = f"(?={_char_class(chars)})"  # one plain class: `regex` tests it at C speed
    lead = _LEADING_FLAGS.match(pattern)
    cut = lead.end() if lead else 0
    return pattern[:cut] + guard + pattern[cut:]
