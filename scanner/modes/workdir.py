"""`spillguard scan [PATH...]`: every file under the given paths (scanner.sources.file_walk), read and
scanned in batches, serially for small inputs, in a process pool for large ones. Allowlisted paths are
counted and never read."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from scanner.engine.index import RuleIndex
from scanner.model import Policy, Report, ScanStats
from scanner.modes.file_step import FileStep, Scanned, Tally, build_report
from scanner.pool import run_batches
from scanner.sources.file_walk import FileRef, iter_files
from scanner.sources.reader import read_file

BATCH = 32
PARALLEL_MIN_FILES = 2 * BATCH


def scan_batch(refs: list[FileRef], step: FileStep) -> Scanned:
    tally = Tally()
    for ref in refs:
        tally.add(step.scan(read_file(ref, step.policy.max_file_size), ref.path))
    return tally.scanned()


def _batches(refs: Iterable[FileRef]) -> Iterator[list[FileRef]]:
    iterator = iter(refs)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def scan_paths(
    paths: tuple[str, ...],
    ruleset: RuleIndex,
    policy: Policy,
    jobs: int = 1,
    cwd: Path | None = None,
) -> Report:
    started = time.monotonic()
    step = FileStep(ruleset, policy)
    refs = list(iter_files(paths, cwd or Path.cwd()))
    kept = [ref for ref in refs if not step.allowlisted(ref.path)]
    tally = Tally(stats=ScanStats(skipped_allowlisted=len(refs) - len(kept)))
    if kept:
        step.prepare()  # before a pool forks: workers inherit the prefilter
    parallel = len(kept) >= PARALLEL_MIN_FILES
    for scanned in run_batches(scan_batch, _batches(kept), step, jobs, parallel):
        tally.add(scanned)
    return build_report(tally, ruleset, started)
