"""The detection pipeline for one chunk of text. Pure: no I/O, no clock, no globals.

Order: keyword prefilter -> pattern on windows around hits of candidate rules only (an anchored rule:
at each hit) -> secret group -> entropy -> checksum -> placeholders -> noise shapes (engine.noise) ->
rule allowlist -> policy allowlist -> a pair rule's companion nearby (engine.companion) -> context
scoring of context-scored rules (engine.context: a confidence, reasons, a severity below the rule's
when unsure) -> inline `spillguard:allow` -> one finding per secret span. Lockfiles and minified
bundles run only trusted rules (engine.noise). Where the prefilter hit the base64 form of a keyword, or
a key-block keyword inside a JSON string, the value is decoded and goes through the same steps
(engine.encoded).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import regex

from scanner.engine.checksums import VALIDATORS
from scanner.engine.companion import companion_near
from scanner.engine.context import judge
from scanner.engine.context_form import candidate_of
from scanner.engine.encoded import (
    CONTAINER_REACH,
    MAX_DEPTH,
    decode_base64,
    decode_url,
    runs_in,
    unescape_json,
)
from scanner.engine.entropy import shannon_entropy
from scanner.engine.exposure import client_exposure, raised
from scanner.engine.filters import INLINE_MARKER, compile_allowlist, inline_allowed, is_placeholder
from scanner.engine.hits import Hits, candidate_windows, encoded_spans
from scanner.engine.index import RuleIndex
from scanner.engine.noise import is_noise, quiet_file, trusted_anywhere
from scanner.engine.overlaps import resolve_overlaps
from scanner.engine.positions import LineIndex, encoded_column, line_bounds
from scanner.fingerprint import fingerprint, secret_hash
from scanner.model import Chunk, Finding, Location, Match, Notice, Policy, Rule, Severity, Span
from scanner.redact import redact


@dataclass(frozen=True)
class ChunkResult:
    findings: tuple[Finding, ...]
    notices: tuple[Notice, ...] = ()


_DECODERS = {"base64": decode_base64, "json-escaped": unescape_json, "url": decode_url}


def _edge_lines(text: str, start: int, end: int) -> tuple[str, ...]:
    """The first and last line of the span, where an inline allow comment may sit."""
    first, last = line_bounds(text, start, end)
    lines = text[first:last].splitlines()
    return (lines[0], lines[-1]) if lines else ()


def _decoded_matches(
    text: str,
    hits: Hits,
    ruleset: RuleIndex,
    policy: Policy,
    path: str,
    depth: int,
    timed_out: list[str],
) -> list[Match]:
    """Matches inside encoded values, placed on the encoded text in the original."""
    found: list[Match] = []
    for kind, start, end in encoded_spans(text, hits):
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
    rule: Rule, secret: str, entropy: float, ruleset: RuleIndex, position: int, policy: Policy
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


def _found(
    pattern: regex.Pattern[str], text: str, windows: list[list[int]], anchored: bool, policy: Policy
) -> Iterator[regex.Match[str]]:
    """Every match in the windows; for an anchored rule, the match starting at each window's start
    (each is a keyword hit), so a candidate that is not a credential (`key="LicenseKey"` read as key =
    "LicenseKey") never hides one starting inside it."""
    timeout = policy.regex_timeout
    for start, end in windows:
        if not anchored:
            yield from pattern.finditer(text, start, end, timeout=timeout)
            continue
        found = pattern.match(text, start, end, timeout=timeout)
        if found is not None:
            yield found


def find_matches(
    text: str,
    ruleset: RuleIndex,
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
    hits = candidate_windows(text, ruleset, keyword_hits, decode)
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
            for found in _found(pattern, text, windows, ruleset.anchored[position], policy):
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
                judgement = None
                if rule.context is not None:  # context-scored: the engine.context hook
                    judgement = judge(rule.context, candidate_of(found, text, path))
                    if judgement is None or judgement.confidence < rule.context.report:
                        continue
                if has_marker and inline_allowed(_edge_lines(text, secret_start, secret_end), rule.id):
                    continue
                matches.append(
                    Match(
                        rule_id=rule.id,
                        span=Span(*found.span()),
                        secret_span=Span(secret_start, secret_end),
                        secret=secret,
                        entropy=entropy,
                        judgement=judgement,
                    )
                )
        except TimeoutError:
            timed_out.append(rule.id)
    return matches, timed_out


def scan_chunk(
    chunk: Chunk,
    ruleset: RuleIndex,
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
        cell_line = cell_column = None
        if chunk.line_map:  # a notebook cell: lines and columns count within the cell; report the file's
            cell_line, cell_column = line, column
            if chunk.column_map:
                starts = chunk.column_map
                column = encoded_column(
                    chunk.text, match.secret_span.start, starts[min(line, len(starts)) - 1]
                )
                end_start = starts[min(end_line, len(starts)) - 1]
                end_column = encoded_column(chunk.text, match.secret_span.end, end_start)
            line = chunk.line_map[min(line, len(chunk.line_map)) - 1]
            end_line = chunk.line_map[min(end_line, len(chunk.line_map)) - 1]
        hashed = secret_hash(match.secret)
        rule = rules[match.rule_id]
        exposure = client_exposure(chunk.text, match.secret_span.start, rule)
        severity = exposure.severity if exposure else None
        judgement = match.judgement
        if judgement is not None and rule.context is not None and judgement.confidence < rule.context.full:
            severity = raised(Severity.LOW) if exposure else Severity.LOW  # unsure: the policy decides
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
                    cell_column=cell_column,
                ),
                secret_hash=hashed,
                fingerprint=fingerprint(match.rule_id, chunk.path, hashed),
                preview=redact(match.secret),
                entropy=round(match.entropy, 3),
                secret=match.secret if policy.reveal_secrets else None,
                decoded=match.decoded,
                severity=severity,
                exposure=exposure.kind if exposure else None,
                confidence=judgement.confidence if judgement else None,
                reasons=judgement.reasons if judgement else (),
            )
        )
    return ChunkResult(tuple(findings), notices)
