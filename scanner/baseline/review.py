"""Interactive review of baseline entries: what to show for an entry, and how an answer changes it.
The prompting itself lives in the CLI."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from scanner.baseline.format import Entry, HashParams, Status
from scanner.baseline.match import identify, slow_hashes
from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Finding, Policy
from scanner.redact import redact
from scanner.ruleset.compiled import CompiledRuleset
from scanner.sources.text import decode

CONTEXT_LINES = 2


@dataclass(frozen=True)
class Context:
    """Numbered lines around the entry's secret in the work tree, the secret redacted unless revealed;
    empty when the file or the secret is no longer there (it may live on in history only)."""

    lines: tuple[tuple[int, str], ...]
    line: int


def entry_context(
    entry: Entry, params: HashParams, root: Path, ruleset: CompiledRuleset, reveal: bool
) -> Context:
    try:
        data = (root / entry.path).read_bytes()
    except OSError:
        return Context((), entry.line)
    text = decode(data)
    if text is None:
        return Context((), entry.line)
    findings = scan_chunk(Chunk(entry.path, text), ruleset, Policy(reveal_secrets=True)).findings
    candidates = [f for f in findings if f.rule_id == entry.rule_id]
    slow = slow_hashes(candidates, params)
    match = next((f for f in candidates if identify(f, slow) == entry.fingerprint), None)
    if match is None:
        return Context((), entry.line)
    lines = text.splitlines()
    loc = match.location
    first, last = max(1, loc.line - CONTEXT_LINES), min(len(lines), loc.end_line + CONTEXT_LINES)
    shown = []
    for number in range(first, last + 1):
        content = lines[number - 1]
        shown.append((number, content if reveal else _redacted(content, number, findings)))
    return Context(tuple(shown), loc.line)


def _redacted(content: str, number: int, findings: tuple[Finding, ...]) -> str:
    """The line with every secret found on it (not only the entry's: the context lines around it may
    hold others) replaced by its redacted preview; a line inside a multi-line secret is hidden."""
    spans = []
    for finding in findings:
        loc = finding.location
        if loc.line != loc.end_line and loc.line <= number <= loc.end_line:
            return "[secret redacted]"
        if loc.line == number:
            spans.append((loc.column - 1, loc.end_column - 1, redact(finding.secret or "")))
    for start, end, preview in sorted(spans, reverse=True):
        content = content[:start] + preview + content[end:]
    return content


ANSWERS = {
    "r": Status.REAL,
    "f": Status.FALSE_POSITIVE,
    "a": Status.ACCEPTED_RISK,
}


def review(
    entry: Entry, status: Status, reviewer: str | None, reason: str | None, expires: date | None
) -> Entry:
    return replace(entry, status=status, reviewer=reviewer, reason=reason or None, expires=expires)
