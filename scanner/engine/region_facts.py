"""What scanning a rule that is not line-local over regions needs to know of its patterns
(scanner.engine.regions): how far before a match's start they look, and the texts one of which every
match holds. Both come from parsing the patterns, a few milliseconds a rule: a builder may supply
them from a cache (scanner.ruleset.locality_cache). Pure."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.engine.locality import lookbehind_width, rule_literals
from scanner.model import Rule


@dataclass(frozen=True)
class RegionFacts:
    """`behind`: the most characters before a match's start its pattern or its companion's looks at
    (None: not known, its hits are scanned in the whole text); `literals`: per pattern (the rule's, then
    its companion's), the texts one of which every match holds, where they can be told."""

    behind: int | None
    literals: tuple[tuple[str, ...], ...]


def region_facts(rule: Rule) -> RegionFacts:
    behind = lookbehind_width(rule.pattern)
    if rule.companion is not None:
        companion = lookbehind_width(rule.companion.pattern)
        behind = None if behind is None or companion is None else max(behind, companion)
    needed = [rule.pattern] + ([rule.companion.pattern] if rule.companion is not None else [])
    literals = tuple(tuple(sorted(found)) for found in map(rule_literals, needed) if found is not None)
    return RegionFacts(behind, literals)
