"""Which rules decide a line by that line alone: the ground on which a history audit scans each
distinct line once (scanner.engine.lines) instead of every blob whole. Pure.

The engine runs a rule's pattern in windows around its keyword hits, windows that reach past the line
of the hit. A rule is *line-local* when what it reports on a line can be told from that line, its
neighbouring line breaks and whether it is the text's first or last line, whatever the other lines
hold. That is proven, not assumed, from the pattern's syntax tree (Python's `re` parser; a pattern it
cannot read is not local):

- no companion on other lines (`within_lines: 0`, or none), and no rule capability this module does not
  know of (a rule field left at its default); context scoring and anchored matching are known: what
  they read of a text (the candidate's name, its joint, its line up to engine.context_form.LINE_REACH
  characters each way) never crosses a line break;
- a match holds a line break, if at all, only as its last character, with nothing (not even a
  lookaround or an anchor) evaluated after it; lookarounds and the `secret` group never hold one; so a
  match attempt that starts on a line never reads past the break that ends it, and the line breaks
  around the line (or the start and end of the text, for a first and a last line) are all it sees;
- every match contains one of the rule's keywords, written in ASCII (the prefilter's view), so every
  match lies inside the window of a hit on its own line (a window is at least as wide as the longest
  match): windows of hits on other lines can widen the region searched, never change what is found in
  it, since no match can start where no hit of the line reaches;
- its longest match is bounded (a window always holds a whole match).

An anchored rule (matched only where one of its keywords starts, inside that hit's window) needs neither
of the last two: each match starts at a hit on its own line, and a window cut short by the end of a text
still reaches past the line break a match cannot cross.

A rule that is not line-local still runs, on the whole text of every blob where one of its keywords
occurs (scanner.engine.lines.TRIGGERS)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from scanner.engine.keyword_shapes import holds_keyword, necessary_literals
from scanner.engine.width import MAX_WINDOW, max_match_width, python_parsable, sre_parse
from scanner.model import Rule

_c: Any = sre_parse  # re._parser re-exports the opcode constants

# Rule fields whose effect on locality is decided here; a rule setting any other field (a capability
# added later) is not line-local until this module learns about it.
KNOWN_FIELDS = frozenset(
    ("id", "name", "description", "severity", "confidence", "keywords", "pattern", "max_width")
    + ("remediation", "examples", "source", "min_entropy", "checksum", "allowlist", "tags")
    + ("references", "files", "paths", "companion")
    # context scoring (engine.context) reads the name, the joint and the line around a candidate,
    # never past the line breaks that bound it, and the path; an anchored rule's pattern is matched
    # at its keyword hits, which are on the match's own line
    + ("context", "anchored")
)
_NEWLINE = 10
_NEWLINE_CATEGORIES = frozenset(
    {
        _c.CATEGORY_SPACE,
        _c.CATEGORY_NOT_WORD,
        _c.CATEGORY_NOT_DIGIT,
        _c.CATEGORY_LINEBREAK,
        _c.CATEGORY_UNI_SPACE,
        _c.CATEGORY_UNI_NOT_WORD,
        _c.CATEGORY_UNI_NOT_DIGIT,
        _c.CATEGORY_UNI_LINEBREAK,
        _c.CATEGORY_LOC_NOT_WORD,
    }
)
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)


class _Unknown(Exception):
    """A part of the pattern this analysis does not follow."""


def _set_has_newline(items: Any) -> bool:
    negate = False
    found = False
    for op, arg in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            found = found or arg == _NEWLINE
        elif op is _c.RANGE:
            found = found or arg[0] <= _NEWLINE <= arg[1]
        elif op is _c.CATEGORY:
            found = found or arg in _NEWLINE_CATEGORIES
        else:
            raise _Unknown(op)
    return found != negate


class _Tree:
    """A parsed pattern and what the checks need from it: its groups, and which are `secret`."""

    def __init__(self, pattern: str) -> None:
        self.parsed = sre_parse.parse(python_parsable(pattern))
        self.flags: int = self.parsed.state.flags
        names = self.parsed.state.groupdict
        self.secret_groups = frozenset(number for name, number in names.items() if name.startswith("secret"))
        self.bodies: dict[int, tuple[Any, int]] = {}  # group number -> (body, flags in force there)
        self._collect(self.parsed, self.flags)

    def _collect(self, items: Any, flags: int) -> None:
        for op, arg in items:
            if op is _c.SUBPATTERN:
                group, add, remove, body = arg
                inner = (flags | add) & ~remove
                if group is not None:
                    self.bodies[group] = (body, inner)
                self._collect(body, inner)
            elif op is _c.BRANCH:
                for branch in arg[1]:
                    self._collect(branch, flags)
            elif op in _REPEATS:
                self._collect(arg[2], flags)
            elif op is _c.ATOMIC_GROUP:
                self._collect(arg, flags)
            elif op in (_c.ASSERT, _c.ASSERT_NOT):
                self._collect(arg[1], flags)
            elif op is _c.GROUPREF_EXISTS:
                self._collect(arg[1], flags)
                if arg[2] is not None:
                    self._collect(arg[2], flags)

    def newline_free(self, items: Any, flags: int) -> bool:
        """Whether no part of `items` (lookarounds included) can match a line break."""
        return all(self._item_newline_free(op, arg, flags) for op, arg in items)

    def _item_newline_free(self, op: Any, arg: Any, flags: int) -> bool:
        if op is _c.LITERAL:
            return bool(arg != _NEWLINE)
        if op is _c.NOT_LITERAL:
            return bool(arg == _NEWLINE)
        if op is _c.ANY:
            return not flags & re.DOTALL
        if op is _c.IN:
            return not _set_has_newline(arg)
        if op is _c.AT:
            return True  # zero width; the text around a line is reproduced where it matters
        if op is _c.BRANCH:
            return all(self.newline_free(branch, flags) for branch in arg[1])
        if op is _c.SUBPATTERN:
            _group, add, remove, body = arg
            return self.newline_free(body, (flags | add) & ~remove)
        if op in _REPEATS:
            return self.newline_free(arg[2], flags)
        if op is _c.ATOMIC_GROUP:
            return self.newline_free(arg, flags)
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            direction, body = arg
            if direction < 0:  # a lookbehind may look at the break before the line, no further
                return self.newline_at_start_only(body, flags)
            return self.newline_at_end_only(body, flags)  # a lookahead, at the break after it
        if op is _c.GROUPREF:
            return self.newline_free(*self.bodies[arg])
        if op is _c.GROUPREF_EXISTS:
            _group, yes, no = arg
            return self.newline_free(yes, flags) and (no is None or self.newline_free(no, flags))
        raise _Unknown(op)

    def newline_at_end_only(self, items: Any, flags: int) -> bool:
        """Whether a match of `items`, at the end of the pattern, can hold a line break only as its last
        character: every item but the last is newline-free, and the last one ends the match with one
        character at most that may be a break."""
        if not items:
            return True
        *head, (op, arg) = items
        if not self.newline_free(head, flags):
            return False
        if op in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN):
            return True  # one character, the last
        if op is _c.SUBPATTERN:
            group, add, remove, body = arg
            if group in self.secret_groups:
                return self.newline_free(body, (flags | add) & ~remove)
            return self.newline_at_end_only(body, (flags | add) & ~remove)
        if op is _c.BRANCH:
            return all(self.newline_at_end_only(branch, flags) for branch in arg[1])
        if op in _REPEATS and arg[1] <= 1:
            return self.newline_at_end_only(arg[2], flags)
        if op is _c.ATOMIC_GROUP:
            return self.newline_at_end_only(arg, flags)
        return self._item_newline_free(op, arg, flags)

    def newline_at_start_only(self, items: Any, flags: int) -> bool:
        """The mirror of `newline_at_end_only`, for a lookbehind: a line break only as the first
        character it reads (the one before the line), nothing read before it."""
        if not items:
            return True
        (op, arg), *tail = items
        if not self.newline_free(tail, flags):
            return False
        if op in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN):
            return True
        if op is _c.SUBPATTERN:
            _group, add, remove, body = arg
            return self.newline_at_start_only(body, (flags | add) & ~remove)
        if op is _c.BRANCH:
            return all(self.newline_at_start_only(branch, flags) for branch in arg[1])
        if op in _REPEATS and arg[1] <= 1:
            return self.newline_at_start_only(arg[2], flags)
        return self._item_newline_free(op, arg, flags)

    def secret_newline_free(self) -> bool:
        return all(self.newline_free(*self.bodies[group]) for group in self.secret_groups)


def _behind(items: Any) -> int:
    """The most characters any lookbehind in `items` reads."""
    widest = 0
    for op, arg in items:
        if op in (_c.ASSERT, _c.ASSERT_NOT) and arg[0] < 0:
            widest = max(widest, int(arg[1].getwidth()[1]))
        for nested in _children(op, arg):
            widest = max(widest, _behind(nested))
    return widest


def _children(op: Any, arg: Any) -> list[Any]:
    if op is _c.SUBPATTERN:
        return [arg[3]]
    if op is _c.BRANCH:
        return list(arg[1])
    if op in _REPEATS:
        return [arg[2]]
    if op is _c.ATOMIC_GROUP:
        return [arg]
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return [arg[1]]
    if op is _c.GROUPREF_EXISTS:
        return [arg[1]] if arg[2] is None else [arg[1], arg[2]]
    return []


def lookbehind_width(pattern: str) -> int | None:
    """The most characters before a match's start (or before any position it tries) that `pattern`
    looks at; None when Python's parser cannot tell (a pattern only `regex` reads)."""
    try:
        width = _behind(_Tree(pattern).parsed)
    except (re.error, RecursionError, OverflowError, ValueError, TypeError):
        return None
    return width if width <= MAX_WINDOW else None


def rule_literals(pattern: str) -> frozenset[str] | None:
    """The texts one of which every match of `pattern` holds (engine.keyword_shapes.necessary_literals);
    None when Python's parser cannot read it or they cannot be told."""
    try:
        return necessary_literals(_Tree(pattern).parsed)
    except (re.error, RecursionError, OverflowError, ValueError, TypeError):
        return None


def _known_fields_only(rule: Rule) -> bool:
    for item in dataclasses.fields(rule):
        if item.name in KNOWN_FIELDS:
            continue
        default = item.default_factory() if item.default_factory is not dataclasses.MISSING else item.default
        if getattr(rule, item.name) != default:
            return False
    return True


def _companion_local(rule: Rule) -> bool:
    if rule.companion is None:
        return True
    if rule.companion.within_lines:
        return False
    tree = _Tree(rule.companion.pattern)
    return tree.newline_free(tree.parsed, tree.flags)


def line_local(rule: Rule) -> bool:
    """Whether the findings of content rule `rule` on a line depend only on that line (see the module
    docstring); False for what cannot be shown so."""
    if rule.files is not None or not rule.keywords or not _known_fields_only(rule):
        return False
    if not rule.anchored:  # an anchored rule's match starts at a hit: no keyword, no bound needed
        width = max_match_width(rule.pattern)
        if width is None or width > MAX_WINDOW or (rule.max_width and rule.max_width < width):
            return False
    try:
        if not _companion_local(rule):
            return False
        tree = _Tree(rule.pattern)
        return (
            tree.newline_at_end_only(tree.parsed, tree.flags)
            and tree.secret_newline_free()
            and (rule.anchored or holds_keyword(tree.parsed, rule.keywords))
        )
    except (_Unknown, re.error, RecursionError, OverflowError, ValueError, TypeError, KeyError):
        return False
