"""The detection pipeline for one chunk of text. Pure: no I/O, no clock, no globals.

Order: keyword prefilter -> pattern on windows around hits of candidate rules only -> secret group ->
entropy -> checksum -> placeholders -> noise shapes (engine.noise) -> rule allowlist -> policy allowlist
-> a pair rule's companion nearby (engine.companion) -> inline `spillguard:allow` -> one finding per
secret span. Lockfiles and minified bundles run only trusted rules (engine.noise). Where the prefilter
hit the base64 form of a keyword, or a key-block keyword inside a JSON string, the value is decoded and
goes through the same steps (engine.decode).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.engine.checksums import VALIDATORS
from scanner.engine.companion import companion_near
from scanner.engine.encoded import (
    CONTAINER_REACH,
    MAX_DEPTH,
    MIN_RUN,
    base64_run,
    decode_base64,
    decode_url,
    has_percent_escape,
    json_string_around,
    runs_in,
    unescape_json,
    url_run,
)
from scanner.engine.entropy import shannon_entropy
from scanner.engine.exposure import client_exposure
from scanner.engine.filters import INLINE_MARKER, compile_allowlist, inline_allowed, is_placeholder
from scanner.engine.index import RuleIndex as CompiledRuleset
from scanner.engine.noise import is_noise, quiet_file, trusted_anywhere
from scanner.engine.positions import LineIndex, line_bounds
from scanner.fingerprint import fingerprint, secret_hash
from scanner.model import Chunk, Finding, Location, Match, Notice, Policy, Rule, Span
from scanner.redact import redact


@dataclass(frozen=True)
class ChunkResult:
    findings: tuple[Finding, ...]
    notices: tuple[Notice, ...] = ()


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


def _candidate_windows(
    text: str, ruleset: CompiledRuleset, keyword_hits: Iterable[tuple[int, int]] | None, decode: bool = True
) -> Hits:
    """Hits arrive ordered by end offset, so overlapping windows are merged as they come; a window that
    starts before the one it joins widens it (duplicated regions are deduplicated by span later).
    `keyword_hits`: the prefilter's hits when the caller has them already (engine.lines), else None."""
    length = len(text)
    hits = Hits({}, [], [], [], array("q"))
    percent = decode and has_percent_escape(text)  # then a keyword may sit in a URL-encoded value
    windows = hits.windows
    lengths, keyword_rules, widths = ruleset.keyword_lengths, ruleset.keyword_rules, ruleset.widths
    plain, multiline = ruleset.plain_keywords, ruleset.multiline
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


def _encoded_spans(text: str, hits: Hits) -> list[tuple[str, int, int]]:
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


_DECODERS = {"base64": decode_base64, "json-escaped": unescape_json, "url": decode_url}


def _edge_lines(text: str, start: int, end: int) -> tuple[str, ...]:
    """The first and last line of the span, where an inline allow comment may sit."""
    first, last = line_bounds(text, start, end)
    lines = text[first:last].splitlines()
    return (lines[0], lines[-1]) if lines else ()


def _decoded_matches(
    text: str,
    hits: Hits,
    ruleset: CompiledRuleset,
    policy: Policy,
    path: str,
    depth: int,
    timed_out: list[str],
) -> list[Match]:
    """Matches inside encoded values, placed on the encoded text in the original."""
    found: list[Match] = []
    for kind, start, end in _encoded_spans(text, hits):
        raw = text[start:end]
        decoded = _DECODERS[kind](raw)
        if decoded is None:
            continue
        inner, inner_timeouts = find_matches(decoded, ruleset, policy, path, depth + 1)
        timed_out.extend(inner_timeouts)
        if not inner:
            continue
        lines = _edge_lines(text, start, end) if INLINE_MARKER in text else ()
        for match in inner:
            if lines and inline_allowed(lines, match.rule_id):
                continue
            how = kind if match.decoded is None else f"{kind}+{match.decoded}"
            found.append(
                Match(
                    match.rule_id,
                    Span(start, end),
                    Span(start, end),
                    match.secret,
                    match.entropy,
                    decoded=how,
                )
            )
    return found


def _passes_filters(
    rule: Rule, secret: str, entropy: float, ruleset: CompiledRuleset, position: int, policy: Policy
) -> bool:
    if rule.min_entropy is not None and entropy < rule.min_entropy:
        return False
    if rule.checksum is not None and not VALIDATORS[rule.checksum](secret):
        return False
    if is_placeholder(secret):
        return False
    if is_noise(rule, secret):  # UUIDs and integrity strings, for low/medium-confidence rules
        return False
    allowlist = ruleset.allowlist(position)
    if allowlist is not None and allowlist.allows_secret(secret):
        return False
    return not (policy.allowlist and compile_allowlist(policy.allowlist).allows_secret(secret))


def find_matches(
    text: str,
    ruleset: CompiledRuleset,
    policy: Policy,
    path: str = "",
    depth: int = 0,
    keyword_hits: Iterable[tuple[int, int]] | None = None,
    decode: bool = True,
) -> tuple[list[Match], list[str]]:
    """All confirmed matches in `text` (before overlap resolution), those inside encoded values
    included (unless not `decode`), and the ids of rules that timed out. `keyword_hits`: the
    prefilter's hits in `text`, ordered by end offset, when the caller has them (engine.lines)."""
    matches: list[Match] = []
    timed_out: list[str] = []
    has_marker = INLINE_MARKER in text  # almost never: then no line is looked at
    hits = _candidate_windows(text, ruleset, keyword_hits, decode)
    # lockfile, checksum list, minified bundle: trusted rules only (told only when some rule may run)
    quiet = bool(hits.windows) and quiet_file(path, text)
    if depth > 0:  # a decoded value: look at every run in it
        hits.encoded.extend(runs_in(text))
    for start in hits.containers:  # `auths` as written: every run of the Docker config after it
        hits.encoded.extend(runs_in(text, start, start + CONTAINER_REACH))
    if decode and depth < MAX_DEPTH and (hits.encoded or hits.multiline or hits.plain):
        matches.extend(_decoded_matches(text, hits, ruleset, policy, path, depth, timed_out))
    for position, windows in hits.windows.items():
        rule = ruleset.rules[position]
        if path and rule.allowlist.paths:
            allowlist = ruleset.allowlist(position)
            if allowlist is not None and allowlist.allows_path(path):
                continue
        if quiet and not trusted_anywhere(rule):
            continue
        if ruleset.scoped[position] and not ruleset.in_scope(position, path):
            continue  # a rule for one kind of file (Dockerfiles, CI workflows)
        pattern = ruleset.pattern(position)
        seen: set[tuple[int, int]] = set()
        try:
            for start, end in windows:
                for found in pattern.finditer(text, start, end, timeout=policy.regex_timeout):
                    secret_start, secret_end = found.span("secret")
                    if secret_start >= secret_end or (secret_start, secret_end) in seen:
                        continue
                    seen.add((secret_start, secret_end))
                    secret = found.group("secret")
                    entropy = shannon_entropy(secret)
                    if not _passes_filters(rule, secret, entropy, ruleset, position, policy):
                        continue
                    if rule.companion is not None and not companion_near(
                        text,
                        secret_start,
                        secret_end,
                        ruleset.companion(position),
                        rule.companion.within_lines,
                        policy.regex_timeout,
                    ):
                        continue  # one half of a pair, the other half not nearby
                    if has_marker and inline_allowed(_edge_lines(text, secret_start, secret_end), rule.id):
                        continue
                    matches.append(
                        Match(
                            rule_id=rule.id,
                            span=Span(*found.span()),
                            secret_span=Span(secret_start, secret_end),
                            secret=secret,
                            entropy=entropy,
                        )
                    )
        except TimeoutError:
            timed_out.append(rule.id)
    return matches, timed_out


def _priority(rule: Rule, match: Match) -> tuple[int, int, int, int, int, str]:
    """Specific rules beat generic ones; a secret matched as written beats one found by decoding the
    same text; then confidence, severity, and the longer secret."""
    length = match.secret_span.end - match.secret_span.start
    return (
        0 if rule.is_generic else 1,
        0 if match.decoded else 1,
        rule.confidence.rank,
        rule.severity.rank,
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


def scan_chunk(
    chunk: Chunk,
    ruleset: CompiledRuleset,
    policy: Policy,
    matched: tuple[list[Match], list[str]] | None = None,
) -> ChunkResult:
    """The findings in `chunk`; `matched`: its matches and timed-out rules when the caller found them
    already (engine.lines: a history audit's blob assembled from what its lines hold)."""
    matches, timed_out = find_matches(chunk.text, ruleset, policy, chunk.path) if matched is None else matched
    notices = tuple(
        Notice(
            chunk.path,
            f"rule '{rule_id}' timed out after {policy.regex_timeout:g} s; "
            "part of this file was not checked by it",
        )
        for rule_id in timed_out
    )
    if not matches:
        return ChunkResult((), notices)
    rules = ruleset.rule_by_id
    index = LineIndex(chunk.text, chunk.first_line)
    findings = []
    for match in resolve_overlaps(matches, rules):
        line, column = index.locate(match.secret_span.start)
        end_line, end_column = index.locate(match.secret_span.end)
        cell_line = None
        if chunk.line_map:  # a notebook cell: lines count within the cell; report the file's too
            cell_line = line
            line = chunk.line_map[min(line, len(chunk.line_map)) - 1]
            end_line = chunk.line_map[min(end_line, len(chunk.line_map)) - 1]
        hashed = secret_hash(match.secret)
        exposure = client_exposure(chunk.text, match.secret_span.start, rules[match.rule_id])
        findings.append(
            Finding(
                rule_id=match.rule_id,
                location=Location(
                    path=chunk.path,
                    line=line,
                    column=column,
                    end_line=end_line,
                    end_column=end_column,
                    commit=chunk.commit,
                    blob=chunk.blob,
                    cell=chunk.cell,
                    cell_line=cell_line,
                ),
                secret_hash=hashed,
                fingerprint=fingerprint(match.rule_id, chunk.path, hashed),
                preview=redact(match.secret),
                entropy=round(match.entropy, 3),
                secret=match.secret if policy.reveal_secrets else None,
                decoded=match.decoded,
                severity=exposure.severity if exposure else None,
                exposure=exposure.kind if exposure else None,
            )
        )
    return ChunkResult(tuple(findings), notices)
