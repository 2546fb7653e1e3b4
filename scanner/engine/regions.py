"""The rules that are not line-local (engine.locality), over a whole text, each region around their
keyword hits found once per distinct text (the (c) part of engine.lines). Pure.

A rule runs its pattern in windows around its hits; hits whose windows cannot meet form a cluster, and
what the rule finds from a cluster depends only on the text of its region: its windows, widened by the
longest lookbehind of the rule's patterns, to whole lines, plus the lines a companion may sit on. So a
region is scanned on its own, in a text that reproduces what a match can see around it (a line break
before it, unless it starts the text; two after it, unless it ends it), and what it holds is kept by its
text, for the next blob holding the same region, however far down that blob it sits.

A rule is not run over a region holding none of the literals one of which every match of it holds
(engine.keyword_shapes.necessary_literals), or none of its companion's: `os.environ[...]` hits the
keyword of the rule that reads `os.environ.get(NAME, "fallback")`, which cannot match without
`environ.get(`; a WeChat app secret needs its app id (`wx...`) nearby. Regions are compared with
their ASCII letters lowered: the memo never splits a text holding a character that case-insensitive
patterns read as an ASCII letter (K for k)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scanner.engine.index import RuleIndex
from scanner.engine.lines import Hit, LinePlan, padding, restricted, shifted
from scanner.engine.region_facts import region_facts
from scanner.engine.scan import find_matches
from scanner.model import Match, Policy

# rule position, whether the region starts the text, whether it ends it, its bytes, and where in it its
# cluster of hits starts and ends
RegionKey = tuple[int, bool, bool, bytes, int, int]
# what a text's regions held: (rule position, where its cluster's first hit starts, where its last ends)
# -> (where the region starts, where it ends, its matches)
Clusters = dict[tuple[int, int, int], tuple[int, int, tuple[Match, ...]]]


@dataclass(frozen=True)
class Earlier:
    """An earlier version of the same file and where the text differs from it (as
    scanner.modes.history_versions finds it): bytes before `start` are the same at the same offsets,
    bytes from `end` on are the earlier version's from `end - shift` on (`end` follows a line break).
    A cluster of the same hits whose region lies in either part holds what it held there."""

    clusters: Clusters
    start: int
    end: int
    shift: int

    def held(self, position: int, first: int, last: int) -> tuple[int, int, tuple[Match, ...]] | None:
        """Where the region of this cluster starts and ends and what it holds, when the earlier version
        had the same cluster (the same hits) with its region in a part that did not change (and not at
        the start of one text only); else None."""
        if last <= self.start:
            known = self.clusters.get((position, first, last))
            if known is not None and known[1] < self.start:
                return known
        elif first >= self.end:
            cut = self.end - self.shift
            known = self.clusters.get((position, first - self.shift, last - self.shift))
            if known is not None and known[0] >= cut and known[0] > 0:
                return known[0] + self.shift, known[1] + self.shift, known[2]
        return None


class RegionMemo:
    """What each distinct region holds, per rule, for one path class (a worker keeps one per class)."""

    def __init__(self) -> None:
        self.found: dict[RegionKey, tuple[Match, ...]] = {}


def _line_start(data: bytes, position: int, lines_up: int) -> int:
    start = data.rfind(b"\n", 0, max(0, position)) + 1
    for _ in range(lines_up):
        if start == 0:
            break
        start = data.rfind(b"\n", 0, start - 1) + 1
    return start


def _line_end(data: bytes, position: int, lines_down: int) -> int:
    end = data.find(b"\n", min(len(data), position))
    for _ in range(lines_down):
        if end < 0:
            break
        end = data.find(b"\n", end + 1)
    return len(data) if end < 0 else end


class _Rule:
    """What a rule's regions need: how far its windows reach, its patterns' longest lookbehind and its
    companion's lines; `reach` None when the lookbehind cannot be told (its hits are scanned in the
    whole text)."""

    def __init__(self, ruleset: RuleIndex, position: int) -> None:
        rule = ruleset.rules[position]
        self.index = restricted(ruleset, position)
        facts = ruleset.known_region_facts.get(position) or region_facts(rule)
        self.reach = ruleset.width(position)
        self.behind = facts.behind
        self.lines = rule.companion.within_lines if rule.companion is not None else 0
        # each: texts one of which every match holds, of the pattern and of the companion the match needs
        self.literals = tuple(tuple(literal.encode() for literal in found) for found in facts.literals)

    def may_match(self, region: bytes) -> bool:
        """False when the region lacks every literal one of which each match of the rule (or of its
        companion) holds: then it holds no match. ASCII letters compared without case."""
        if not self.literals:
            return True
        lowered = region.lower()
        return all(any(literal in lowered for literal in group) for group in self.literals)


def _clusters(hits: Sequence[Hit], reach: int, lengths: Sequence[int]) -> list[tuple[int, int, list[Hit]]]:
    """`hits` (in the prefilter's order: by end offset) grouped so that windows of hits of different
    groups never meet, each with where its first hit starts and its last ends. A hit whose window
    overlaps the group's joins it; taken by start instead of by end, hits would group the same way
    (two hits an end apart in one order and not the other are a keyword's length apart)."""
    groups: list[tuple[int, int, list[Hit]]] = []
    first = last = -(reach + 2) * 2
    current: list[Hit] = []
    for hit in hits:
        start, keyword = hit
        if start - reach > last + reach + 1:  # its window meets none of the group's: a new group
            current = []
            first, last = start, start + lengths[keyword]
            groups.append((first, last, current))
        current.append(hit)
        first, last = min(first, start), max(last, start + lengths[keyword])
        groups[-1] = (first, last, current)
    return groups


@dataclass
class RegionsFound:
    """What the rules that are not line-local found in a text: `placed`, each region's matches (offsets
    in characters from the region's start) with the region's byte offset in the text; `whole`, the
    hits (byte offsets) of each rule whose lookbehind cannot be bounded, to run over the whole text;
    and the rules that timed out."""

    placed: list[tuple[int, tuple[Match, ...]]] = field(default_factory=list)
    whole: dict[int, list[Hit]] = field(default_factory=dict)
    timed_out: list[str] = field(default_factory=list)


def _runs_at(ruleset: RuleIndex, position: int, path: str) -> bool:
    """Whether the rule may find anything in a file at `path` (engine.scan.find_matches skips it there
    otherwise): in scope (a rule for Dockerfiles, CI workflows), and not allowlisted by path."""
    if ruleset.scoped[position] and not ruleset.in_scope(position, path):
        return False
    if path and ruleset.rules[position].allowlist.paths:
        allowlist = ruleset.allowlist(position)
        return allowlist is None or not allowlist.allows_path(path)
    return True


def region_matches(
    data: bytes,
    hits: Sequence[Hit],
    plan: LinePlan,
    policy: Policy,
    path: str,
    memo: RegionMemo,
    earlier: Earlier | None = None,
    clusters: Clusters | None = None,
) -> RegionsFound:
    """(c): every rule that is not line-local over the UTF-8 text `data`, from `hits`, the hits of their
    keywords (byte offsets, in the prefilter's order), as a scan of the whole text finds them. Nothing
    is decoded but the regions never seen before; with `earlier`, regions in the parts of the text
    that did not change are not even looked at. What each cluster held is added to `clusters`."""
    ruleset, lengths = plan.ruleset, plan.lengths
    by_rule: dict[int, list[Hit]] = {}
    applies: dict[int, bool] = {}  # rules for other paths, or allowlisted here, find nothing: not run
    for hit in hits:
        for position in plan.whole_rules[hit[1]]:
            runs = applies.get(position)
            if runs is None:
                runs = applies[position] = _runs_at(ruleset, position, path)
            if runs:
                by_rule.setdefault(position, []).append(hit)
    found = RegionsFound()
    for position, rule_hits in by_rule.items():
        rule = plan.rule_regions.get(position)
        if rule is None:
            rule = plan.rule_regions[position] = _Rule(ruleset, position)
        if rule.behind is None:
            found.whole[position] = rule_hits
            continue
        for first, last, cluster in _clusters(rule_hits, rule.reach, lengths):
            held = earlier.held(position, first, last) if earlier is not None else None
            if held is not None:
                if clusters is not None:
                    clusters[(position, first, last)] = held
                if held[2]:
                    found.placed.append((held[0], held[2]))
                continue
            start = _line_start(data, first - rule.reach - rule.behind - 1, rule.lines)
            end = _line_end(data, last + rule.reach, rule.lines)
            # the cluster's hits are every hit of the rule's keywords from `first` to `last`, which
            # the region's text holds: the key need not list them
            key = (position, start == 0, end == len(data), data[start:end], first - start, last - start)
            known = memo.found.get(key)
            if known is None and not rule.may_match(key[3]):
                known = memo.found[key] = ()
            if known is None:
                known, slow = _scan_region(key, [(s - start, k) for s, k in cluster], rule, policy, path)
                if slow:
                    found.timed_out.extend(slow)
                    continue
                memo.found[key] = known
            if clusters is not None:
                clusters[(position, first, last)] = (start, end, known)
            if known:
                found.placed.append((start, known))
    return found


def whole_rule_matches(
    text: str, position: int, hits: list[Hit], plan: LinePlan, policy: Policy, path: str
) -> tuple[list[Match], list[str]]:
    """A rule whose regions cannot be bounded, over the whole text, from its hits (in characters)."""
    rule = plan.rule_regions[position]
    return find_matches(text, rule.index, policy, path, keyword_hits=hits, decode=False)


def _scan_region(
    key: RegionKey, byte_hits: list[Hit], rule: _Rule, policy: Policy, path: str
) -> tuple[tuple[Match, ...], list[str]]:
    """The region alone, with what a match can see around it: a line break before it (unless it
    starts the text), a line break and more text after it (unless it ends the text), and line breaks
    enough that it does not pass for a minified bundle (the text it is in does not). Its hits are in
    bytes from its start; its matches come back in characters from its start."""
    _position, at_start, at_end, raw, _first, _last = key
    region = raw.decode("utf-8", "replace")
    if region.isascii():
        hits = list(byte_hits)
    else:  # a hit is at an ASCII byte: its character offset is the length of what precedes it
        hits = [(len(raw[:s].decode("utf-8", "replace")), k) for s, k in byte_hits]
    before = "" if at_start else "\n"
    after = "" if at_end else "\n\n"
    length = len(before) + len(region) + len(after)
    pad = "\n" * padding(length, region.count("\n") + len(before) + len(after))
    if not at_end:
        after += pad
    elif not at_start:
        before = pad + before
    text = before + region + after
    found, slow = find_matches(
        text, rule.index, policy, path, keyword_hits=[(s + len(before), k) for s, k in hits], decode=False
    )
    return tuple(shifted(match, -len(before)) for match in found), slow
