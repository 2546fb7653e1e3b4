"""One match per secret span: where matches overlap, the more specific one wins. Pure."""

from __future__ import annotations

import bisect

from scanner.model import Match, Rule


def _priority(rule: Rule, match: Match) -> tuple[int, int, int, int, int, float, int, str]:
    """Specific rules beat generic ones; a secret matched as written beats one found by decoding the
    same text; then confidence, severity, a rule whose syntax names the value over one that reads a
    name (the command-line rule over the password rule for `-passout pass:X`), the context score, and
    the longer secret."""
    length = match.secret_span.end - match.secret_span.start
    return (
        0 if rule.is_generic else 1,
        0 if match.decoded else 1,
        rule.confidence.rank,
        rule.severity.rank,
        1 if rule.context is not None and rule.context.name else 0,
        match.judgement.confidence if match.judgement else 1.0,
        length,
        rule.id,
    )


def resolve_overlaps(matches: list[Match], rules: dict[str, Rule]) -> list[Match]:
    """Keeps one match per secret span: where spans overlap, the more specific rule wins. The kept
    spans never overlap, so sorted by start only the nearest one before a new span's end can collide
    with it: O(n log n) however many matches a file holds."""
    ranked = sorted(matches, key=lambda m: _priority(rules[m.rule_id], m), reverse=True)
    starts: list[int] = []
    kept: list[Match] = []  # in the order of `starts`
    for match in ranked:
        span = match.secret_span
        index = bisect.bisect_left(starts, span.end)
        if index and kept[index - 1].secret_span.end > span.start:
            continue
        starts.insert(index, span.start)
        kept.insert(index, match)
    return sorted(kept, key=lambda m: (m.secret_span.start, m.secret_span.end, m.rule_id))
