"""The step every scan mode runs on each file it has read, and the one place a Report is assembled.

A file comes in as a `ReadResult` (scanner.sources.reader; blobs and git changes are read into the
same record): its text chunks, what reading it counted, a notice when it could not be read, and its
whole text when it was read whole, or (a text too long to decode whole) its long texts, scanned window
by window, each window's findings placed back at their file line and column. Out come its findings
(file rules first, then every chunk through the engine), its notices (the read's, then one per regex
timeout) and its counts, as a `Scanned`.

Another scanner's baseline or report (scanner.sources.foreign) is skipped, counted as allowlisted, with
a notice. The path allowlist is compiled once per scan, and the rule index is prepared (keyword tables and
prefilter built, with the user cache) before the first file goes through the engine, never during a
scan.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from scanner.engine.file_rules import scan_path
from scanner.engine.filters import compile_allowlist
from scanner.engine.index import RuleIndex
from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, CommitInfo, Finding, Notice, Policy, Report, ScanStats, SecretGroup
from scanner.sources.foreign import foreign_file, notice_text
from scanner.sources.reader import ReadResult
from scanner.sources.windows import LongText


@dataclass(frozen=True)
class Scanned:
    """What scanning one file (or a batch of them) gave."""

    findings: tuple[Finding, ...] = ()
    notices: tuple[Notice, ...] = ()
    stats: ScanStats = field(default_factory=ScanStats)
    # a history blob whose findings its lines holding matches give alone, whatever its other lines hold
    # (scanner.modes.history_lines tells, from how it assembled them)
    from_lines: bool = False


class FileStep:
    """Runs read files through the engine under one rule index and policy."""

    def __init__(self, ruleset: RuleIndex, policy: Policy) -> None:
        self.ruleset = ruleset
        self.policy = policy
        self._allow = compile_allowlist(policy.allowlist) if policy.allowlist.paths else None
        self._prepared = False

    def prepare(self) -> None:
        """Builds what the engine needs (see RuleIndex.prepare) unless done already: before the first
        scan, and before a pool forks, so workers inherit it."""
        if not self._prepared:
            self.ruleset.prepare()
            self._prepared = True

    def allowlisted(self, path: str) -> bool:
        """Whether the policy's path allowlist skips the file at `path`."""
        return self._allow is not None and self._allow.allows_path(path)

    def scan(
        self,
        read: ReadResult,
        path: str,
        commit: str | None = None,
        blob: str | None = None,
        file_rules: bool = True,
        content: Callable[[], str | None] | None = None,
    ) -> Scanned:
        """The findings, notices and counts of one read file. An allowlisted path gives only what
        reading it counted. The file rules run unless `file_rules` is False (a changed file that did
        not appear at this path); they see the file's text when it was read whole, else `content()`
        when one of them needs it (a file known by its diff alone)."""
        notices = () if read.notice is None else (read.notice,)
        if self.allowlisted(path):
            return Scanned((), notices, read.stats)
        foreign = foreign_file(path, read.text)
        if foreign is not None:  # another scanner's baseline or report: about secrets, not a source
            skipped = ScanStats(skipped_allowlisted=1)
            return Scanned((), (*notices, Notice(path, notice_text(foreign))), read.stats + skipped)
        self.prepare()
        findings: tuple[Finding, ...] = ()
        if file_rules and not read.long:
            text = read.text
            if text is None and content is not None and self.ruleset.reads_content(path):
                text = content()
            findings = scan_path(path, text, self.ruleset, self.policy, commit=commit, blob=blob)
        chunks = self.chunks(read.chunks)
        long = self.windows(read.long, file_rules)
        return Scanned(
            findings + chunks.findings + long.findings,
            notices + chunks.notices + long.notices,
            read.stats + chunks.stats + long.stats,
        )

    def chunks(self, chunks: Iterable[Chunk]) -> Scanned:
        """Every chunk through the engine; a rule that timed out is a notice and counted."""
        self.prepare()
        findings: list[Finding] = []
        notices: list[Notice] = []
        for chunk in chunks:
            result = scan_chunk(chunk, self.ruleset, self.policy)
            findings.extend(result.findings)
            notices.extend(result.notices)
        return Scanned(tuple(findings), tuple(notices), ScanStats(timeouts=len(notices)))

    def windows(self, texts: Iterable[LongText], file_rules: bool = True) -> Scanned:
        """Each long text window by window: its findings placed at their file line and column, the
        file rules run on every window (each rule reported once), one window held at a time."""
        by_rule: dict[str, Finding] = {}
        findings: list[Finding] = []
        notices: list[Notice] = []
        for long in texts:
            base = long.chunk
            for piece in long.pieces():
                if file_rules:
                    for found in scan_path(
                        base.path,
                        piece.chunk.text,
                        self.ruleset,
                        self.policy,
                        commit=base.commit,
                        blob=base.blob,
                    ):
                        by_rule.setdefault(found.rule_id, found)
                result = scan_chunk(piece.chunk, self.ruleset, self.policy)
                findings.extend(piece.place(result.findings))
                notices.extend(result.notices)
                del piece, result  # a window is let go before the next one is decoded
        return Scanned((*by_rule.values(), *findings), tuple(notices), ScanStats(timeouts=len(notices)))


@dataclass
class Tally:
    """What a scan has gathered so far."""

    findings: list[Finding] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)

    def add(self, scanned: Scanned) -> None:
        self.findings.extend(scanned.findings)
        self.notices.extend(scanned.notices)
        self.stats += scanned.stats

    def scanned(self) -> Scanned:
        return Scanned(tuple(self.findings), tuple(self.notices), self.stats)


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(
        sorted(
            findings,
            key=lambda f: (f.location.path, f.location.line, f.location.column, f.rule_id),
        )
    )


def build_report(
    tally: Tally,
    ruleset: RuleIndex,
    started: float,
    commits: tuple[CommitInfo, ...] = (),
    groups: tuple[SecretGroup, ...] = (),
) -> Report:
    """The Report of a scan that began at `started` (time.monotonic()): its findings sorted by place."""
    return Report(
        findings=sort_findings(tally.findings),
        rules=ruleset.rules,
        stats=tally.stats,
        notices=tuple(tally.notices),
        seconds=time.monotonic() - started,
        commits=commits,
        groups=groups,
    )
