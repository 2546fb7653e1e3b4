"""The detection pipeline for one chunk of text. Pure: no I/O, no clock, no globals.

Order: keyword prefilter -> pattern on windows around hits of candidate rules only -> secret group ->
entropy -> checksum -> placeholders -> rule allowlist -> policy allowlist -> inline `spillguard:allow`
-> one finding per secret span.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.engine.checksums import VALIDATORS
from scanner.engine.entropy import shannon_entropy
from scanner.engine.filters import compile_allowlist, inline_allowed, is_placeholder
from scanner.engine.positions import LineIndex, line_bounds
from scanner.fingerprint import fingerprint, secret_hash
from scanner.model import Chunk, Finding, Location, Match, Notice, Policy, Rule, Span
from scanner.redact import redact
from scanner.ruleset.compiled import CompiledRuleset


@dataclass(frozen=True)
class ChunkResult:
    findings: tuple[Finding, ...]
    notices: tuple[Notice, ...] = ()


def _candidate_windows(text: str, ruleset: CompiledRuleset) -> dict[int, list[list[int]]]:
    """Per candidate rule, the merged windows [start, end] around its keyword hits that a match could
    occupy. Hits arrive ordered by end offset, so overlapping windows are merged as they come; a window
    that starts before the one it joins widens it (duplicated regions are deduplicated by span later)."""
    length = len(text)
    windows: dict[int, list[list[int]]] = {}
    lengths, keyword_rules, widths = ruleset.keyword_lengths, ruleset.keyword_rules, ruleset.widths
    for start, keyword in ruleset.prefilter.hits(text):
        end = start + lengths[keyword]
        for position in keyword_rules[keyword]:
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
    return windows


def _passes_filters(
    rule: Rule, secret: str, entropy: float, ruleset: CompiledRuleset, position: int, policy: Policy
) -> bool:
    if rule.min_entropy is not None and entropy < rule.min_entropy:
        return False
    if rule.checksum is not None and not VALIDATORS[rule.checksum](secret):
        return False
    if is_placeholder(secret):
        return False
    allowlist = ruleset.allowlists[position]
    if allowlist is not None and allowlist.allows_secret(secret):
        return False
    return not (policy.allowlist and compile_allowlist(policy.allowlist).allows_secret(secret))


def find_matches(
    text: str, ruleset: CompiledRuleset, policy: Policy, path: str = ""
) -> tuple[list[Match], list[str]]:
    """All confirmed matches in `text` (before overlap resolution) and the ids of rules that timed out."""
    matches: list[Match] = []
    timed_out: list[str] = []
    for position, windows in _candidate_windows(text, ruleset).items():
        rule = ruleset.rules[position]
        allowlist = ruleset.allowlists[position]
        if allowlist is not None and path and allowlist.allows_path(path):
            continue
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
                    bounds = line_bounds(text, secret_start, secret_end)
                    lines = text[bounds[0] : bounds[1]].splitlines()
                    if inline_allowed((lines[0], lines[-1]) if lines else (), rule.id):
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


def _priority(rule: Rule, match: Match) -> tuple[int, int, int, int, str]:
    length = match.secret_span.end - match.secret_span.start
    return (0 if rule.is_generic else 1, rule.confidence.rank, rule.severity.rank, length, rule.id)


def resolve_overlaps(matches: list[Match], rules: dict[str, Rule]) -> list[Match]:
    """Keeps one match per secret span: where spans overlap, the more specific rule wins."""
    ranked = sorted(matches, key=lambda m: _priority(rules[m.rule_id], m), reverse=True)
    kept: list[Match] = []
    for match in ranked:
        span = match.secret_span
        if all(span.end <= k.secret_span.start or span.start >= k.secret_span.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: (m.secret_span.start, m.secret_span.end, m.rule_id))


def scan_chunk(chunk: Chunk, ruleset: CompiledRuleset, policy: Policy) -> ChunkResult:
    matches, timed_out = find_matches(chunk.text, ruleset, policy, chunk.path)
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
            )
        )
    return ChunkResult(tuple(findings), notices)
