"""From prefilter hits to where the rules run: per candidate rule, the merged windows a match could
occupy (an anchored rule: one window at each hit of a name it owns), and the encoded values (base64,
JSON-escaped, URL-encoded) around a trigger that are decoded and scanned again. Pure."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.engine.context import owns
from scanner.engine.encoded import (
    MIN_RUN,
    base64_run,
    decode_url,
    has_percent_escape,
    json_string_around,
    url_run,
)
from scanner.engine.index import RuleIndex


@dataclass
class Hits:
    """What the prefilter found in one text: per candidate rule, the merged windows [start, end] a
    match could occupy; where the base64 form of a keyword occurs; where a keyword of a multi-line
    rule occurs (it may sit JSON-escaped inside a string); and where a container word (`auths`) is
    written."""

    windows: dict[int, list[list[int]]]
    encoded: list[int]
    multiline: list[int]
    containers: list[int]
    # where a URL-encoded value may hold a keyword: the keyword as URL encoding writes it, and, in a
    # text holding a %XX escape anywhere, every rule keyword hit
    plain: array[int]  # machine ints: a file of one keyword repeated has millions of hits


def candidate_windows(
    text: str, ruleset: RuleIndex, keyword_hits: Iterable[tuple[int, int]] | None = None, decode: bool = True
) -> Hits:
    """Hits arrive ordered by end offset, so overlapping windows are merged as they come; a window that
    starts before the one it joins widens it (duplicated regions are deduplicated by span later).
    `keyword_hits`: the prefilter's hits when the caller has them already (engine.lines), else None;
    without `decode`, no URL-escape search (the text's encoded values are not looked into)."""
    length = len(text)
    hits = Hits({}, [], [], [], array("q"))
    percent = decode and has_percent_escape(text)  # then a keyword may sit in a URL-encoded value
    windows = hits.windows
    lengths, keyword_rules, widths = ruleset.keyword_lengths, ruleset.keyword_rules, ruleset.widths
    plain, multiline, anchored, rules = (
        ruleset.plain_keywords,
        ruleset.multiline,
        ruleset.anchored,
        ruleset.rules,
    )
    containers, url_forms = ruleset.tables.containers, ruleset.tables.url_forms
    for start, keyword in ruleset.prefilter.hits(text) if keyword_hits is None else keyword_hits:
        if keyword >= plain:
            if keyword >= url_forms:
                hits.plain.append(start)
            else:
                (hits.containers if keyword >= containers else hits.encoded).append(start)
            continue
        if percent:
            hits.plain.append(start)
        end = start + lengths[keyword]
        for position in keyword_rules[keyword]:
            if multiline[position]:
                hits.multiline.append(start)
            width = widths[position] or ruleset.width(position)
            if anchored[position]:  # matched at the keyword's start: one window per hit, from it
                context = rules[position].context  # context-scored: only where the name is of its kind
                if context is None or owns(context, text, start):
                    windows.setdefault(position, []).append([start, min(length, start + width)])
                continue
            low, high = start - width, end + width
            found = windows.get(position)
            if found is None:
                windows[position] = [[max(0, low), min(length, high)]]
                continue
            last = found[-1]
            if low <= last[1]:
                if low < last[0]:
                    last[0] = max(0, low)
                if high > last[1]:
                    last[1] = min(length, high)
            else:
                found.append([max(0, low), min(length, high)])
    return hits


def encoded_spans(text: str, hits: Hits) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each distinct encoded value around a trigger, in text order."""
    spans: set[tuple[str, int, int]] = set()
    covered = -1
    for position in sorted(hits.encoded):
        if position < covered:
            continue  # inside a run already taken
        start, end = base64_run(text, position, max(covered, 0))
        covered = end
        if end - start >= MIN_RUN:
            spans.add(("base64", start, end))
    covered = -1
    for position in sorted(set(hits.multiline)):
        if position < covered:
            continue
        found = json_string_around(text, position)
        if found is not None:
            covered = found[1]
            spans.add(("json-escaped", *found))
    run_start = covered = -1
    for position in hits.plain:  # ordered by keyword end, so nearly by start: no sorted copy
        if run_start <= position < covered:
            continue  # inside the value taken last
        run_start, covered = url_run(text, position)
        if decode_url(text[run_start:covered]) is not None:
            spans.add(("url", run_start, covered))
    return sorted(spans, key=lambda item: (item[1], item[2], item[0]))
