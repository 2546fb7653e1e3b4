"""What a later version of a text takes over from the version before it, for the rules that are not
line-local (scanner.engine.regions): a history audit reads a file's versions one after the other, and
most differ from the one before in a few lines (scanner.modes.history_versions finds where).

Two texts agree on every byte before `start` and, shifted, on every byte from `end` on. A rule's hits
there are the same; so is each cluster of hits whose region lies there, as long as no hit of the
changed part can join it: what such a cluster held, it holds again. When every cluster of a rule is
such a one and the changed part holds no hit of the rule, the rule's hits and clusters are the earlier
ones, shifted, and nothing of it is looked at; otherwise its clusters are formed again and only those
not taken over are scanned. Pure."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from scanner.engine.lines import Hit
from scanner.model import Match

Cluster = tuple[int, int, tuple[Match, ...]]  # where its region starts and ends, and what it holds
# a rule's clusters by (where the first hit starts, where the last ends), in the order of the text
RuleClusters = dict[tuple[int, int], Cluster]


@dataclass
class RegionsKept:
    """What the rules that are not line-local found in one text, per rule position: its hits and its
    clusters (a rule one of whose clusters timed out has none). `complete`: every rule's hits are
    there (the regions were scanned to the end)."""

    rule_hits: dict[int, list[Hit]] = field(default_factory=dict)
    rule_clusters: dict[int, RuleClusters] = field(default_factory=dict)
    complete: bool = False


def _start(hit: Hit) -> int:
    return hit[0]


@dataclass(frozen=True)
class Earlier:
    """The version before and where the text differs from it: bytes before `start` are the same at the
    same offsets, bytes from `end` on are the earlier version's from `end - shift` on; both are line
    starts, and no keyword holds a line break, so each hit lies wholly in one part."""

    kept: RegionsKept
    start: int
    end: int
    shift: int

    def around(self, position: int, changed: list[Hit]) -> list[Hit]:
        """The rule's hits in the new text: the earlier ones before the change, `changed` (the hits in
        the changed part), then the earlier ones after it, shifted."""
        hits = self.kept.rule_hits.get(position, [])
        before = bisect.bisect_left(hits, self.start, key=_start)
        after = bisect.bisect_left(hits, self.end - self.shift, key=_start)
        shift = self.shift
        return hits[:before] + changed + [(start + shift, keyword) for start, keyword in hits[after:]]

    def held(self, position: int, first: int, last: int) -> Cluster | None:
        """Where the region of this cluster starts and ends and what it holds, when the earlier version
        had the same cluster (the same hits) with its region in a part that did not change (and not at
        the start of one text only); else None."""
        clusters = self.kept.rule_clusters.get(position)
        if clusters is None:
            return None
        if last <= self.start:
            known = clusters.get((first, last))
            if known is not None and known[1] < self.start:
                return known
        elif first >= self.end:
            known = clusters.get((first - self.shift, last - self.shift))
            if known is not None and known[0] >= self.end - self.shift and known[0] > 0:
                return known[0] + self.shift, known[1] + self.shift, known[2]
        return None

    def taken_over(self, position: int, reach: int) -> tuple[RuleClusters, list[Hit]] | None:
        """The rule's clusters and hits in the new text when all are the earlier ones (the changed part
        holding none of its hits): each cluster's region in a part that did not change, and far enough
        from the change that no hit there could have joined it (`reach`: how far the rule's windows
        reach). None otherwise."""
        clusters = self.kept.rule_clusters.get(position)
        hits = self.kept.rule_hits.get(position)
        if clusters is None or hits is None:
            return None
        start, end, shift = self.start, self.end, self.shift
        moved: RuleClusters = {}
        for (first, last), (region_start, region_end, matches) in clusters.items():
            if last + 2 * reach + 1 < start and region_end < start:
                moved[(first, last)] = (region_start, region_end, matches)
            elif first + shift > end + 2 * reach and region_start >= end - shift and region_start > 0:
                moved[(first + shift, last + shift)] = (region_start + shift, region_end + shift, matches)
            else:
                return None
        return moved, self.around(position, [])
