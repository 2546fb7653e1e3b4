"""The history audit's blobs: which to read (each unique blob once, at a path it had that is not
allowlisted), reading and scanning them in batches in pool workers, and what their findings become in
the report (placed at every commit and path that introduced the blob, grouped per secret)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from scanner.fingerprint import fingerprint
from scanner.model import Finding, Notice, ScanStats, SecretGroup
from scanner.modes.file_step import FileStep
from scanner.sources.git import read_blob_file, reopen
from scanner.sources.history_walk import HistoryIndex

BATCH_BLOBS = 64

Item = tuple[str, str, str]  # (blob id, a path it had, a commit that introduced it there)


@dataclass(frozen=True)
class BlobResult:
    blob: str
    findings: tuple[Finding, ...]
    stats: ScanStats
    notices: tuple[Notice, ...] = ()


def scan_blobs(batch: list[Item], state: tuple[str, FileStep]) -> tuple[ScanStats, list[BlobResult]]:
    """Worker task: read and scan each blob of the batch (its size is read from the object header
    first, so a blob over the limit is never read). An unreadable blob is not scanned: its result
    holds the notice naming it. The batch's counts are added up here, in the worker."""
    git_dir, step = state
    repo = reopen(git_dir)  # one per batch
    results = []
    for blob, path, commit in batch:
        read = read_blob_file(repo, blob, path, step.policy.max_file_size, commit)
        if read.notice is not None:  # unreadable (the notice names it): nothing to scan
            results.append(BlobResult(blob, (), read.stats, (read.notice,)))
            continue
        scanned = step.scan(read, path, blob=blob)
        results.append(BlobResult(blob, scanned.findings, scanned.stats, scanned.notices))
    total = ScanStats()
    for result in results:
        total += result.stats
    return total, results


def batches(items: list[Item]) -> Iterator[list[Item]]:
    """Batches of at most BATCH_BLOBS blobs: a worker reads one blob at a time, so memory stays
    bounded whatever the history holds."""
    for start in range(0, len(items), BATCH_BLOBS):
        yield items[start : start + BATCH_BLOBS]


def blob_list(index: HistoryIndex, step: FileStep, skip: frozenset[str]) -> list[Item]:
    """Every blob to scan but those in `skip` and those seen only at allowlisted paths, with the first
    place it was introduced at a path that is not allowlisted."""
    items = []
    for blob, places in index.occurrences.items():
        if blob in skip:
            continue
        kept = [(commit, path) for commit, path in places if not step.allowlisted(path)]
        if kept:
            items.append((blob, kept[0][1], kept[0][0]))
    return items


def place(findings: tuple[Finding, ...], places: list[tuple[str, str]], step: FileStep) -> list[Finding]:
    """A blob's findings at each (commit, path) that introduced the blob, but allowlisted paths."""
    placed = []
    for commit, path in places:
        if step.allowlisted(path):
            continue
        for finding in findings:
            location = replace(finding.location, path=path, commit=commit)
            placed.append(
                replace(
                    finding,
                    location=location,
                    fingerprint=fingerprint(finding.rule_id, path, finding.secret_hash),
                )
            )
    return placed


def group(findings: list[Finding], index: HistoryIndex, at_head: set[str]) -> tuple[SecretGroup, ...]:
    by_secret: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        by_secret.setdefault((finding.rule_id, finding.secret_hash), []).append(finding)
    groups = []
    for (rule_id, _), members in by_secret.items():
        members.sort(key=lambda f: index.order.get(f.location.commit or "", -1))
        groups.append(
            SecretGroup(
                rule_id=rule_id,
                preview=members[0].preview,
                first=members[0].location,
                paths=tuple(sorted({f.location.path for f in members})),
                commits=len({f.location.commit for f in members}),
                present_at_head=any(f.location.blob in at_head for f in members),
                fingerprints=tuple(sorted({f.fingerprint for f in members})),
                blobs=tuple(sorted({f.location.blob for f in members if f.location.blob})),
            )
        )
    return tuple(sorted(groups, key=lambda g: (g.first.path, g.first.line, g.rule_id)))


def first_per_fingerprint(findings: list[Finding], index: HistoryIndex) -> list[Finding]:
    first: dict[str, Finding] = {}
    for finding in sorted(findings, key=lambda f: index.order.get(f.location.commit or "", -1)):
        first.setdefault(finding.fingerprint, finding)
    return list(first.values())
