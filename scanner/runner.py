"""Runs the engine over a source: serially for small inputs, in a process pool for large ones.
Orchestrates only: reading is in sources/, detecting in engine/."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from scanner.engine.filters import compile_allowlist
from scanner.engine.scan import scan_chunk
from scanner.model import Finding, Notice, Policy, Report, ScanStats
from scanner.ruleset.compiled import CompiledRuleset
from scanner.sources.files import read_file
from scanner.sources.workdir import FileRef, iter_files

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
        if read.notice is not None:
            notices.append(read.notice)
        if read.chunk is None:
            continue
        result = scan_chunk(read.chunk, ruleset, policy)
        findings.extend(result.findings)
        notices.extend(result.notices)
        stats += ScanStats(timeouts=len(result.notices))
    return BatchResult(tuple(findings), tuple(notices), stats)


# Worker-process state, set once per worker by the pool initializer (never in the parent).
_WORKER: tuple[CompiledRuleset, Policy] | None = None


def _init_worker(ruleset: CompiledRuleset, policy: Policy) -> None:
    global _WORKER
    _WORKER = (ruleset, policy)


def _run_batch(refs: list[FileRef]) -> BatchResult:
    assert _WORKER is not None
    return scan_batch(refs, *_WORKER)


def _batches(refs: Iterable[FileRef]) -> Iterator[list[FileRef]]:
    iterator = iter(refs)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _pool_context() -> multiprocessing.context.BaseContext | None:
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def scan_files(
    refs: list[FileRef], ruleset: CompiledRuleset, policy: Policy, jobs: int
) -> Iterator[BatchResult]:
    """Batch results in input order. Uses a fork pool of `jobs` workers when the input is large enough
    to pay for it; falls back to one process where fork is unavailable."""
    context = _pool_context()
    if jobs <= 1 or len(refs) < PARALLEL_MIN_FILES or context is None:
        for batch in _batches(refs):
            yield scan_batch(batch, ruleset, policy)
        return
    with context.Pool(jobs, initializer=_init_worker, initargs=(ruleset, policy)) as pool:
        yield from pool.imap(_run_batch, _batches(refs))


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


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
