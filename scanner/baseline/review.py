"""Interactive review of baseline entries (`spillguard baseline audit`): what to show for an entry, and
how an answer changes it. The prompting itself lives in the CLI (cli/baseline_review_cmd.py).

An entry's path is relative to the root of the work tree, as reported paths are, so it is resolved from
there whatever the current directory; the file is read as a scan reads it (scanner.sources.reader:
bounded, never through a link, never from a FIFO or a device) and the entry's secret found in it by the
engine."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from scanner.baseline.format import Entry, HashParams
from scanner.baseline.match import identify, slow_hashes
from scanner.engine.file_rules import scan_path
from scanner.engine.index import RuleIndex
from scanner.engine.scan import scan_chunk
from scanner.model import DEFAULT_MAX_FILE_SIZE, Chunk, Finding, Policy, ReviewStatus
from scanner.redact import redact
from scanner.sources.file_walk import FileRef, find_worktree
from scanner.sources.reader import read_file

CONTEXT_LINES = 2


@dataclass(frozen=True)
class Context:
    """Numbered lines around the entry's secret in the work tree, the secret redacted unless revealed;
    empty when the file or the secret is no longer there (it may live on in history only). For a file
    rule (the file itself is the leak: a committed .env, a key file), `whole_file` is set when the file
    is there; its first lines are shown only when revealed (no rule points at its secrets)."""

    lines: tuple[tuple[int, str], ...]
    line: int
    whole_file: bool = False


def review_root(cwd: Path) -> Path:
    """Where entry paths start: the root of the work tree holding `cwd`, else `cwd` itself (paths
    scanned outside any work tree are reported relative to the current directory)."""
    return find_worktree(cwd) or cwd


def entry_context(
    entry: Entry,
    params: HashParams,
    root: Path,
    ruleset: RuleIndex,
    reveal: bool,
    max_size: int = DEFAULT_MAX_FILE_SIZE,
) -> Context:
    read = read_file(FileRef(entry.path, str(root / entry.path)), max_size)
    text = read.text
    policy = Policy(reveal_secrets=True)
    there = not read.stats.skipped_unreadable  # binary or too large, a key file is still there
    for found in scan_path(entry.path, text, ruleset, policy) if there else ():
        if (
            found.rule_id == entry.rule_id
            and identify(found, slow_hashes([found], params)) == entry.fingerprint
        ):
            lines = text.splitlines()[: 2 * CONTEXT_LINES + 1] if reveal and text is not None else []
            return Context(tuple(enumerate(lines, 1)), 1, whole_file=True)
    if text is None:  # gone, unreadable, too large or binary
        return Context((), entry.line)
    findings = scan_chunk(Chunk(entry.path, text), ruleset, policy).findings
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
    "r": ReviewStatus.REAL,
    "f": ReviewStatus.FALSE_POSITIVE,
    "a": ReviewStatus.ACCEPTED_RISK,
}


def review(
    entry: Entry, status: ReviewStatus, reviewer: str | None, reason: str | None, expires: date | None
) -> Entry:
    return replace(entry, status=status, reviewer=reviewer, reason=reason or None, expires=expires)
