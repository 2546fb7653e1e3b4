"""Full-history audit: walk every ref, scan each unique blob once (in a process pool), then map the
blob's findings onto every commit and path that introduced it and group them per secret."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pygit2

from scanner.cache import BlobCache, ruleset_key
from scanner.engine.files import scan_path
from scanner.engine.filters import CompiledAllowlist, compile_allowlist
from scanner.engine.scan import scan_chunk
from scanner.errors import GitError
from scanner.fingerprint import fingerprint
from scanner.model import Chunk, Finding, Notice, Policy, Report, ScanStats, SecretGroup
from scanner.pool import run_batches
from scanner.ruleset.compiled import CompiledRuleset
from scanner.runner import sort_findings
from scanner.sources.decode import decode
from scanner.sources.files import text_chunks
from scanner.sources.git import MESSAGE_PATH, open_repo, read_blob_data
from scanner.sources.history import HistoryIndex, head_blobs, walk

BATCH_BYTES = 4 * 1024 * 1024
BATCH_BLOBS = 64
CHECKPOINT_SECONDS = 5.0  # how often the history cache is committed during an audit

Progress = Callable[[int, int], None]  # (blobs done, bytes done) increments


@dataclass(frozen=True)
class BlobResult:
    blob: str
    findings: tuple[Finding, ...]
    stats: ScanStats
    notices: tuple[Notice, ...] = ()


def _scan_blobs(
    batch: list[tuple[str, str, int]], state: tuple[str, CompiledRuleset, Policy]
) -> tuple[ScanStats, list[BlobResult]]:
    """Worker task: read and scan each (blob id, a path it had, size) of the batch; the batch's counts
    are added up here, in the worker."""
    repo_path, ruleset, policy = state
    repo = pygit2.Repository(repo_path)  # cheap (about 0.1 ms); one per batch
    results = []
    for blob, path, size in batch:
        if size > policy.max_file_size:
            found_files = scan_path(path, None, ruleset, policy, blob=blob)
            results.append(BlobResult(blob, found_files, ScanStats(skipped_large=1)))
            continue
        try:
            data = read_blob_data(repo, blob)  # its size, from the header, is within the limit
        except GitError:
            results.append(
                BlobResult(
                    blob,
                    (),
                    ScanStats(skipped_unreadable=1),
                    (Notice(path, f"object {blob} (at {path}) is missing or corrupted"),),
                )
            )
            continue
        text = decode(data)
        found_findings: list[Finding] = list(scan_path(path, text, ruleset, policy, blob=blob))
        if text is None:
            results.append(BlobResult(blob, tuple(found_findings), ScanStats(skipped_binary=1)))
            continue
        found_notices: list[Notice] = []
        for chunk in text_chunks(path, text, blob):
            found = scan_chunk(chunk, ruleset, policy)
            found_findings.extend(found.findings)
            found_notices.extend(found.notices)
        stats = ScanStats(files=1, bytes=len(data), timeouts=len(found_notices))
        results.append(BlobResult(blob, tuple(found_findings), stats, tuple(found_notices)))
    total = ScanStats()
    for result in results:
        total += result.stats
    return total, results


def _batches(items: list[tuple[str, str, int]]) -> Iterator[list[tuple[str, str, int]]]:
    """Batches bounded in count and bytes, so memory stays bounded whatever the history holds."""
    batch: list[tuple[str, str, int]] = []
    size = 0
    for item in items:
        batch.append(item)
        size += min(item[2], BATCH_BYTES)
        if len(batch) >= BATCH_BLOBS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _blob_list(
    repo: Any,
    index: HistoryIndex,
    allow: CompiledAllowlist | None,
    skip_errors: bool,
    skip: frozenset[str],
) -> tuple[list[tuple[str, str, int]], list[Notice]]:
    """(blob id, a path it had, size) of every blob to scan but those in `skip`; unreadable ones are
    an error naming the object, or with `skip_errors` a notice each."""
    items = []
    broken = []
    for blob, places in index.occurrences.items():
        paths = [p for _, p in places if allow is None or not allow.allows_path(p)]
        if not paths or blob in skip:
            continue
        try:
            _kind, size = repo.odb.read_header(blob)
        except (KeyError, ValueError, pygit2.GitError):
            commit, path = places[0]
            message = f"object {blob} (at {path} in commit {commit[:12]}) is missing or corrupted"
            if not skip_errors:
                raise GitError(
                    f"{repo.path}: {message}; run `git fsck`, or pass --skip-errors to count it and go on"
                ) from None
            broken.append(Notice(path, message))
            continue
        items.append((blob, paths[0], size))
    return items, broken


def _place(
    findings: tuple[Finding, ...], places: list[tuple[str, str]], allow: CompiledAllowlist | None
) -> list[Finding]:
    """A blob's findings at each (commit, path) that introduced the blob, but allowlisted paths."""
    placed = []
    for commit, path in places:
        if allow is not None and allow.allows_path(path):
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


def _message_findings(
    index: HistoryIndex, ruleset: CompiledRuleset, policy: Policy, cache: BlobCache | None
) -> list[Finding]:
    """Findings in every commit message but those the cache knows were clean under the same rules
    (with no new commit and no finding, a repeated audit never builds the prefilter)."""
    clean = cache.clean_messages() if cache is not None else set()
    findings: list[Finding] = []
    for sha, message in index.messages:
        if sha in clean:
            continue
        found = scan_chunk(Chunk(path=MESSAGE_PATH, text=message, commit=sha), ruleset, policy).findings
        if cache is not None and not found:
            cache.store_clean_message(sha)
        findings.extend(found)
    return findings


def _group(findings: list[Finding], index: HistoryIndex, at_head: set[str]) -> tuple[SecretGroup, ...]:
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
            )
        )
    return tuple(sorted(groups, key=lambda g: (g.first.path, g.first.line, g.rule_id)))


def _first_per_fingerprint(findings: list[Finding], index: HistoryIndex) -> list[Finding]:
    first: dict[str, Finding] = {}
    for finding in sorted(findings, key=lambda f: index.order.get(f.location.commit or "", -1)):
        first.setdefault(finding.fingerprint, finding)
    return list(first.values())


def default_cache_dir(cwd: Path | None = None) -> Path:
    return Path(open_repo(cwd or Path.cwd()).path) / "spillguard"


def scan_history(
    ruleset: CompiledRuleset,
    policy: Policy,
    refs: tuple[str, ...] = (),
    jobs: int = 1,
    cwd: Path | None = None,
    progress: Progress | None = None,
    on_total: Callable[[int, int], None] | None = None,
    cache_dir: Path | None = None,
    warn: Callable[[str], None] | None = None,
    skip_errors: bool = False,
) -> Report:
    """Audits the history; with `cache_dir`, blobs scanned before under the same rule set are not read
    again."""
    started = time.monotonic()
    repo = open_repo(cwd or Path.cwd())
    allow = compile_allowlist(policy.allowlist) if policy.allowlist.paths else None
    findings: list[Finding] = []
    cache = None
    if cache_dir is not None:
        cache = BlobCache.open(cache_dir, ruleset_key(ruleset.rules, policy), warn or (lambda _: None))
    with cache if cache is not None else nullcontext():
        remembered = cache.introduced() if cache is not None else {}
        index = walk(repo, refs, remembered.get)
        known: frozenset[str] = frozenset()
        stats = ScanStats()
        if cache is not None:
            cache.remember_walk(index.fresh)
            cached = cache.lookup(index.occurrences)
            known, stats = cached.ids, cached.stats
        items, broken = _blob_list(repo, index, allow, skip_errors, skip=known)
        notices: list[Notice] = list(broken)
        stats += ScanStats(skipped_unreadable=len(broken))
        if on_total is not None:
            on_total(len(items), sum(size for _, _, size in items))
        if items:
            ruleset.prepare()
        state = (repo.path, ruleset, policy)
        batches = run_batches(_scan_blobs, _batches(items), state, jobs, len(items) > BATCH_BLOBS)
        checkpoint = time.monotonic()
        for batch_stats, results in batches:
            if batch_stats.skipped_unreadable and not skip_errors:
                broken_blob = next(r for r in results if r.stats.skipped_unreadable)
                raise GitError(
                    f"{repo.path}: {broken_blob.notices[0].message}; run `git fsck`, or pass "
                    "--skip-errors to count it and go on"
                )
            stats += batch_stats
            for result in results:
                notices.extend(result.notices)
                if result.findings:
                    findings.extend(_place(result.findings, index.occurrences[result.blob], allow))
                if cache is not None and not result.notices and not result.findings:
                    cache.store_clean(result.blob, result.stats)
                if progress is not None:
                    progress(1, result.stats.bytes)
            if cache is not None and time.monotonic() - checkpoint > CHECKPOINT_SECONDS:
                cache.checkpoint()
                checkpoint = time.monotonic()
        findings.extend(_message_findings(index, ruleset, policy, cache))
    groups = _group(findings, index, head_blobs(repo))
    report_findings = sort_findings(_first_per_fingerprint(findings, index))
    cited = sorted({f.location.commit for f in findings if f.location.commit})
    return Report(
        report_findings,
        ruleset.rules,
        stats,
        tuple(notices),
        time.monotonic() - started,
        tuple(index.commits[sha] for sha in cited),
        groups,
    )
