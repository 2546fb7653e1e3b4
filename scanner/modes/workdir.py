"""Runs the engine over a source: serially for small inputs, in a process pool for large ones.
Orchestrates only: reading is in sources/, detecting in engine/."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from scanner.engine.file_rules import scan_path
from scanner.engine.filters import compile_allowlist
from scanner.engine.scan import scan_chunk
from scanner.model import Finding, Notice, Policy, Report, ScanStats
from scanner.pool import run_batches
from scanner.ruleset.compiled import CompiledRuleset
from scanner.sources.file_walk import FileRef, iter_files
from scanner.sources.reader import read_file

BATCH = 32
PARALLEL_MIN_FILES = 2 * BATCH


@dataclass(frozen=True)
class BatchResult:
    findings: tuple[Finding, ...]
    notices: tuple[Notice, ...]
    stats: ScanStats


def scan_batch(refs: list[FileRef], ruleset: CompiledRuleset, policy: Policy) -> BatchResult:
    findings: list[Finding] = []
    notices: list[Notice] = []
    stats = ScanStats()
    for ref in refs:
        read = read_file(ref, policy.max_file_size)
        stats += read.stats
        findings.extend(scan_path(ref.path, read.text, ruleset, policy))
        if read.notice is not None:
            notices.append(read.notice)
        for chunk in read.chunks:
            result = scan_chunk(chunk, ruleset, policy)
            findings.extend(result.findings)
            notices.extend(result.notices)
            stats += ScanStats(timeouts=len(result.notices))
    return BatchResult(tuple(findings), tuple(notices), stats)


def _task(batch: list[FileRef], state: tuple[CompiledRuleset, Policy]) -> BatchResult:
    return scan_batch(batch, *state)


def _batches(refs: Iterable[FileRef]) -> Iterator[list[FileRef]]:
    iterator = iter(refs)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def scan_files(
    refs: list[FileRef], ruleset: CompiledRuleset, policy: Policy, jobs: int
) -> Iterator[BatchResult]:
    """Batch results in input order; a pool of `jobs` processes when the input is large enough."""
    parallel = len(refs) >= PARALLEL_MIN_FILES
    if parallel:
        ruleset.prepare()
    yield from run_batches(_task, _batches(refs), (ruleset, policy), jobs, parallel)


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(
        sorted(
            findings,
            key=lambda f: (f.location.path, f.location.line, f.location.column, f.rule_id),
        )
    )


def scan_paths(
    paths: tuple[str, ...],
    ruleset: CompiledRuleset,
    policy: Policy,
    jobs: int = 1,
    cwd: Path | None = None,
) -> Report:
    started = time.monotonic()
    refs = list(iter_files(paths, cwd or Path.cwd()))
    stats = ScanStats()
    if policy.allowlist.paths:
        allow = compile_allowlist(policy.allowlist)
        kept = [ref for ref in refs if not allow.allows_path(ref.path)]
        stats += ScanStats(skipped_allowlisted=len(refs) - len(kept))
        refs = kept
    findings: list[Finding] = []
    notices: list[Notice] = []
    for result in scan_files(refs, ruleset, policy, jobs):
        findings.extend(result.findings)
        notices.extend(result.notices)
        stats += result.stats
    return Report(
        findings=sort_findings(findings),
        rules=ruleset.rules,
        stats=stats,
        notices=tuple(notices),
        seconds=time.monotonic() - started,
    )
