"""What each distinct line of a history holds, scanned once, and a text's findings assembled from its
lines' (the history audit's line memo, scanner.modes.history_lines). Pure.

A full scan of a text is the reference. Split it in three:

(a) matches inside decoded values (base64, JSON-escaped, URL-encoded): the encoded value never
    crosses a line break, so they depend on the line alone, whatever rule they are of;
(b) matches of line-local rules (engine.locality): they depend on the line and on whether it is the
    first or last line of its text, nothing else;
(c) matches of every other rule: run on the whole text, in windows around the hits of their keywords
    only (`WholeScan`), without decoding (that is (a)).

A line is scanned once per place it can have (`MIDDLE`, `FIRST`, `LAST`, `LAST_BREAK`), in a text that
reproduces what a match can see there: line breaks around it, or the start or end of the text. Lines
of the middle are scanned many at a time, joined by line breaks (what one line's hits cause cannot reach
the findings of another, see engine.locality), each match kept at its line. A line also keeps the hits
of keywords of (c) rules, which the whole-text pass starts from. What is found on a line is relative to
its start; `place` puts it back where the line sits in a text; overlaps are resolved over the whole
text's matches (engine.scan.scan_chunk), as a full scan resolves them.

Lines are told apart by their path class (`path_class`): what a rule decides from the path.
A text holding a container word (`auths`: every base64 run after it is decoded, lines away) is not
split: the caller scans it whole."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from scanner.engine.context_place import context_path
from scanner.engine.index import KeywordTables, RuleIndex
from scanner.engine.noise import MINIFIED_MEAN_LINE, MINIFIED_MIN_SIZE, quiet_path
from scanner.engine.scan import find_matches
from scanner.model import Match, Policy, Span

MIDDLE, FIRST, LAST, LAST_BREAK = range(4)  # a line between two others; a text's first; its last,
# without a line break after it; its last, followed by the text's final line break

Hit = tuple[int, int]  # (start offset, keyword id)


@dataclass(frozen=True)
class LineFound:
    """What one line holds at one place (offsets from the line's start): the matches of (a) and (b),
    hits of keywords of (c) rules, whether it holds a container word or made a rule time out (a text
    holding such a line is scanned whole), and whether it holds any keyword hit at all (true of it
    wherever it sits). True when it holds anything but the last."""

    matches: tuple[Match, ...] = ()
    whole_hits: tuple[Hit, ...] = ()
    container: bool = False
    timed_out: bool = False
    hit: bool = False

    def __bool__(self) -> bool:
        return bool(self.matches or self.whole_hits or self.container or self.timed_out)


def restricted(base: RuleIndex, position: int) -> RuleIndex:
    """`base` with its keyword ids pointing to the rule at `position` only."""
    return _Restricted(base, position)


class _Restricted(RuleIndex):
    """The index restricted to one rule: the same keyword ids, pointing to that rule only. It shares
    the compiled patterns and windows of the index it restricts."""

    def __init__(self, base: RuleIndex, position: int) -> None:
        super().__init__(base.rules, base.backend)
        self._base = base
        self._position = position
        self.widths = base.widths
        self._patterns, self._companions = base._patterns, base._companions
        self._scopes, self._allowlists = base._scopes, base._allowlists

    @cached_property
    def tables(self) -> KeywordTables:
        base = self._base.tables
        rules: list[tuple[int, ...]] = [()] * len(base.rules)
        for kid in self._base.rule_keyword_ids[self._position]:
            rules[kid] = (self._position,)
        return replace(base, rules=tuple(rules))


class LinePlan:
    """What splitting texts into lines needs from a rule index, worked out once."""

    def __init__(self, ruleset: RuleIndex) -> None:
        self.ruleset = ruleset
        tables = ruleset.tables
        self.local = ruleset.locality
        # keyword ids a hit of which the whole-text pass needs: a keyword of a rule that is not local
        self.whole = frozenset(
            kid for kid in range(tables.plain) if any(not self.local[p] for p in tables.rules[kid])
        )
        self.containers = frozenset(range(tables.containers, tables.url_forms))
        self.lengths = tables.lengths
        # A hit in a line is the line's own, wherever the line sits, when no keyword can hold a line
        # break, and none holds `?` (the prefilter's stand-in for a character that is not ASCII).
        self.splittable = all(
            keyword.isascii() and not any(ch in keyword for ch in "\n\r?") for keyword in tables.keywords
        )
        self.position = {rule.id: n for n, rule in enumerate(ruleset.rules)}
        # per keyword id, the rules that are not line-local it points to
        local = self.local
        self.whole_rules = tuple(tuple(p for p in positions if not local[p]) for positions in tables.rules)
        self.rule_regions: dict[int, Any] = {}  # engine.regions' memo of each such rule's needs
        # what a rule's regions are scanned with, worked out before a pool forks
        _ = ruleset.rule_keyword_ids, ruleset.known_region_facts


def path_class(
    ruleset: RuleIndex, path: str
) -> tuple[bool, tuple[int, ...], tuple[int, ...], tuple[str, ...]]:
    """Everything a line's findings depend on from the path of its file: whether only trusted rules
    report there (engine.noise), which rules scoped to some paths apply, which rules' allowlists skip
    it, and what context scoring reads of it (the kind of file, tests, examples, translations).
    Lines of files in the same class give the same findings."""
    scoping, allowing, judging = ruleset.path_rules
    scoped = tuple(p for p in scoping if ruleset.in_scope(p, path))
    allowed = []
    for position in allowing:
        allowlist = ruleset.allowlist(position)
        if allowlist is not None and allowlist.allows_path(path):
            allowed.append(position)
    judged = context_path(path) if judging else ()
    return quiet_path(path), scoped, tuple(allowed), judged


def padding(length: int, breaks: int) -> int:
    """Line breaks to add to a text of `length` characters holding `breaks` of them so that it is not
    taken for a minified bundle (engine.noise.minified): lines of a file that is not one never are."""
    excess = length - MINIFIED_MEAN_LINE * (breaks + 1)
    if length < MINIFIED_MIN_SIZE or excess <= 0:
        return 0
    return -(-excess // (MINIFIED_MEAN_LINE - 1))  # each break added also adds a character


# What surrounds a line at each place: a line break before it (or the start of the text), and after it
# a line break followed by more text, a final line break, or the end of the text.
_AROUND = {MIDDLE: ("\n", "\n\n"), FIRST: ("", "\n\n"), LAST: ("\n", ""), LAST_BREAK: ("\n", "\n")}


def _context(lines: Sequence[str], kind: int) -> tuple[str, list[int]]:
    """The text a line (or, in the middle, lines) is scanned in, and where each line starts in it."""
    body = "\n".join(lines)
    before, after = _AROUND[kind]
    pad = "\n" * padding(len(before) + len(body) + len(after), len(lines) - 1 + len(before) + len(after))
    if kind in (MIDDLE, FIRST):
        after += pad
    else:
        before = pad + before
    starts = []
    offset = len(before)
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    return before + body + after, starts


def shifted(match: Match, by: int) -> Match:
    return replace(
        match,
        span=Span(match.span.start + by, match.span.end + by),
        secret_span=Span(match.secret_span.start + by, match.secret_span.end + by),
    )


def scan_lines(
    lines: Sequence[str],
    plan: LinePlan,
    policy: Policy,
    path: str,
    kind: int = MIDDLE,
    containers: bool = False,
) -> dict[int, LineFound]:
    """What each of `lines` holds at place `kind` (several lines only in the middle, or, with
    `containers`, the last lines of a text) in a file at `path`, in one pass of the engine: by index,
    the lines with a keyword hit (the others hold nothing anywhere). With `containers`, a container
    word works as in a whole text (every base64 run after it, on any of the lines, is decoded): the
    lines are scanned together, as the end of their text, and are not told apart if a rule times out."""
    ruleset = plan.ruleset
    text, starts = _context(lines, kind)
    found: list[Hit] = []
    whole: dict[int, list[Hit]] = {}
    flagged: set[int] = set()  # lines holding a container word
    hit: set[int] = set()
    container_words, whole_keywords = plan.containers, plan.whole
    for start, keyword in ruleset.prefilter.hits(text):
        line = bisect.bisect_right(starts, start) - 1
        hit.add(line)
        if keyword in container_words and not containers:
            flagged.add(line)
            continue  # its text is scanned whole; what it makes of the others' lines is not theirs
        found.append((start, keyword))
        if keyword in whole_keywords:
            whole.setdefault(line, []).append((start - starts[line], keyword))
    matches, timed_out = find_matches(text, ruleset, policy, path, keyword_hits=found)
    if timed_out and len(lines) > 1 and not containers:  # which line made it time out: each alone
        alone = {n: scan_lines((lines[n],), plan, policy, path, kind) for n in sorted(hit)}
        return {n: got for n, found_alone in alone.items() for got in found_alone.values()}
    local, positions = plan.local, plan.position
    by_line: dict[int, list[Match]] = {}
    for match in matches:
        if match.decoded is None and not local[positions[match.rule_id]]:
            continue  # (c): the whole-text pass finds it
        line = bisect.bisect_right(starts, match.secret_span.start) - 1
        by_line.setdefault(line, []).append(shifted(match, -starts[line]))
    slow = bool(timed_out)
    return {  # (a line without a hit holds a match only in a value a container word has decoded)
        n: LineFound(tuple(by_line.get(n, ())), tuple(whole.get(n, ())), n in flagged, slow, hit=n in hit)
        for n in hit | by_line.keys()
    }
