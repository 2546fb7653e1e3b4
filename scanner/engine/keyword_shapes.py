"""Whether every match of a pattern contains one of its rule's keywords, as the prefilter sees them
(lowercase ASCII, found case-insensitively): part of what makes a rule line-local (engine.locality).
Pure.

What a part of a pattern may match is abstracted as a set of shapes: a tuple of text segments (ASCII
letters lowered) with None for a stretch of unknown text (possibly empty). Every match of the part is
one of the shapes with its stretches filled in; each segment is in every match of its shape. A shape
in which a segment holds a keyword is HELD whatever surrounds it; of the others only the ends matter
(a keyword can still form across a join), so segments are cut to their first and last K-1 characters,
K the longest keyword's length, which keeps the sets small. Too many shapes become one stretch of
unknown text: less precise, never wrong."""

from __future__ import annotations

from typing import Any

from scanner.engine.width import sre_parse

_c: Any = sre_parse  # re._parser re-exports the opcode constants
_MAX_SHAPES = 256
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

Shape = tuple[str | None, ...]
HELD: Shape = ("",)  # stands for every shape holding a keyword: a segment no other shape has
_ANY: frozenset[Shape] = frozenset({(None,)})
_EMPTY: frozenset[Shape] = frozenset({()})


class _Shapes:
    def __init__(self, keywords: tuple[str, ...], keep: int = 0) -> None:
        self.keywords = keywords
        self.keep = keep or max(len(k) for k in keywords) - 1

    def _normal(self, shape: Shape) -> Shape:
        if shape == HELD or any(s is not None and any(k in s for k in self.keywords) for s in shape):
            return HELD
        keep = self.keep
        if None not in shape:  # known text: one segment, or none
            text = "".join(s for s in shape if s is not None)
            if len(text) <= 2 * keep:
                return (text,) if text else ()
            return (text[:keep], None, text[len(text) - keep :])
        first, last = shape[0], shape[-1]
        head: Shape = (first[:keep],) if first else ()
        tail: Shape = (last[max(0, len(last) - keep) :],) if last else ()
        return (*head, None, *tail)

    def then(self, left: frozenset[Shape], right: frozenset[Shape]) -> frozenset[Shape]:
        if left == {HELD} or right == {HELD}:
            return frozenset({HELD})
        if len(left) * len(right) > _MAX_SHAPES:
            return _ANY  # too many to follow: a stretch of unknown text (sound, only less precise)
        return frozenset(self._normal(self._joined(a, b)) for a in left for b in right)

    @staticmethod
    def _joined(left: Shape, right: Shape) -> Shape:
        if left == HELD or right == HELD:
            return HELD
        if left and right and left[-1] is not None and right[0] is not None:
            return (*left[:-1], left[-1] + right[0], *right[1:])
        if left and right and left[-1] is None and right[0] is None:
            return (*left, *right[1:])
        return (*left, *right)

    def of(self, items: Any) -> frozenset[Shape]:
        found = _EMPTY
        for op, arg in items:
            found = self.then(found, self._item(op, arg))
        return found

    def _item(self, op: Any, arg: Any) -> frozenset[Shape]:
        if op is _c.LITERAL:
            return frozenset({self._normal((chr(arg).translate(_ASCII_LOWER),))})
        if op is _c.IN and all(kind is _c.LITERAL for kind, _value in arg):
            return frozenset(self._normal((chr(value).translate(_ASCII_LOWER),)) for _kind, value in arg)
        if op is _c.BRANCH:
            union: set[Shape] = set()
            for branch in arg[1]:
                union |= self.of(branch)
            return frozenset(union) if len(union) <= _MAX_SHAPES else _ANY
        if op is _c.SUBPATTERN:
            return self.of(arg[3])
        if op is _c.ATOMIC_GROUP:
            return self.of(arg)
        if op in _REPEATS:
            low, high, body = arg
            once = self.of(body)
            if high <= 1:
                return once | _EMPTY if low == 0 else once
            return self.then(once, _ANY) if low >= 1 else _ANY  # the first copy, then what follows
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            return _EMPTY  # zero width: not part of the match's text
        return _ANY


def holds_keyword(items: Any, keywords: tuple[str, ...]) -> bool:
    """Whether every match of `items` contains one of `keywords` (lowercase ASCII) as the caseless
    ASCII prefilter sees it: every shape a match can take holds a keyword."""
    return _Shapes(keywords).of(items) == {HELD}


LITERAL_KEEP = 32  # characters kept of each end of a long known segment


def necessary_literals(items: Any) -> frozenset[str] | None:
    """Lowercase ASCII texts such that every match of `items` contains one of them (ASCII letters
    compared without case), or None when that cannot be told. A text with none of them holds no
    match, in any window: a history audit does not run a rule over such a region (engine.regions)."""
    found = set()
    for shape in _Shapes((), LITERAL_KEEP).of(items):
        known = [segment for segment in shape if segment and segment.isascii()]
        if not known:
            return None
        found.add(max(known, key=len))
    return frozenset(found)
