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
from scanner.engine.region_reuse import Earlier, RegionsKept, RuleClusters
from scanner.engine.scan import find_matches
from scanner.model import Match, Policy

# rule position, whether the region starts the text, whether it ends it, its bytes, and where in it its
# cluster of hits starts and ends
RegionKey = tuple[int, bool, bool, bytes, int, int]


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
    kept: RegionsKept | None = None,
) -> RegionsFound:
    """(c): every rule that is not line-local over the UTF-8 text `data`, from `hits`, the hits of their
    keywords (byte offsets, in the prefilter's order), as a scan of the whole text finds them. Nothing
    is decoded but the regions never seen before. With `earlier` (engine.region_reuse), `hits` are
    those of the changed part only, and what did not change is taken over. What each rule's hits and
    clusters are is recorded in `kept`."""
    ruleset = plan.ruleset
    changed: dict[int, list[Hit]] = {}
    applies: dict[int, bool] = {}  # rules for other paths, or allowlisted here, find nothing: not run
    for hit in hits:
        for position in plan.whole_rules[hit[1]]:
            runs = applies.get(position)
            if runs is None:
                runs = applies[position] = _runs_at(ruleset, position, path)
            if runs:
                changed.setdefault(position, []).append(hit)
    found = RegionsFound()
    positions = changed.keys() if earlier is None else changed.keys() | earlier.kept.rule_hits.keys()
    for position in positions:
        rule = plan.rule_regions.get(position)
        if rule is None:
            rule = plan.rule_regions[position] = _Rule(ruleset, position)
        rule_hits = changed.get(position, [])
        if earlier is not None:
            if not rule_hits and rule.behind is not None:
                taken = earlier.taken_over(position, rule.reach)
                if taken is not None:
                    _record(found, kept, position, *taken)
                    continue
            rule_hits = earlier.around(position, rule_hits)
        if rule.behind is None:
            found.whole[position] = rule_hits
            if kept is not None:
                kept.rule_hits[position] = rule_hits
            continue
        clusters = _rule_regions(data, position, rule_hits, rule, plan, policy, path, memo, earlier, found)
        _record(found, kept, position, clusters, rule_hits, placed=False)
    if kept is not None:
        kept.complete = not found.timed_out
    return found


def _record(
    found: RegionsFound,
    kept: RegionsKept | None,
    position: int,
    clusters: RuleClusters | None,
    rule_hits: list[Hit],
    placed: bool = True,
) -> None:
    """Keeps a rule's hits and clusters (None: one timed out) for the next version, and with `placed`
    (clusters taken over), what they hold in `found`."""
    if placed and clusters is not None:
        found.placed.extend((start, matches) for start, _end, matches in clusters.values() if matches)
    if kept is not None:
        kept.rule_hits[position] = rule_hits
        if clusters is not None:
            kept.rule_clusters[position] = clusters


def _rule_regions(
    data: bytes,
    position: int,
    rule_hits: list[Hit],
    rule: _Rule,
    plan: LinePlan,
    policy: Policy,
    path: str,
    memo: RegionMemo,
    earlier: Earlier | None,
    found: RegionsFound,
) -> RuleClusters | None:
    """One rule's clusters over the text, each scanned (or taken over, or known from the memo), what
    they hold added to `found`; None when one timed out."""
    clusters: RuleClusters = {}
    complete = True
    behind = rule.behind
    assert behind is not None  # a rule whose lookbehind is not known is run over the whole text
    for first, last, cluster in _clusters(rule_hits, rule.reach, plan.lengths):
        held = earlier.held(position, first, last) if earlier is not None else None
        if held is not None:
            clusters[(first, last)] = held
            if held[2]:
                found.placed.append((held[0], held[2]))
            continue
        start = _line_start(data, first - rule.reach - behind - 1, rule.lines)
        end = _line_end(data, last + rule.reach, rule.lines)
        # the cluster's hits are every hit of the rule's keywords from `first` to `last`, which the
        # region's text holds: the key need not list them
        key = (position, start == 0, end == len(data), data[start:end], first - start, last - start)
        known = memo.found.get(key)
        if known is None and not rule.may_match(key[3]):
            known = memo.found[key] = ()
        if known is None:
            known, slow = _scan_region(key, [(s - start, k) for s, k in cluster], rule, policy, path)
            if slow:
                found.timed_out.extend(slow)
                complete = False
                continue
            memo.found[key] = known
        clusters[(first, last)] = (start, end, known)
        if known:
            found.placed.append((start, known))
    return clusters if complete else None


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
