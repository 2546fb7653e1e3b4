"""Full-history audit: walk every ref, scan each unique blob once (in a process pool), then map the
blob's findings onto every commit and path that introduced it and group them per secret."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pygit2

from scanner.engine.file_rules import scan_path
from scanner.engine.filters import CompiledAllowlist, compile_allowlist
from scanner.engine.scan import scan_chunk
from scanner.errors import GitError
from scanner.fingerprint import fingerprint
from scanner.model import Chunk, Finding, Notice, Policy, Report, ScanStats, SecretGroup
from scanner.modes.history_cache import BlobCache, Snapshot, ruleset_key
from scanner.modes.workdir import sort_findings
from scanner.pool import run_batches
from scanner.ruleset.compiled import CompiledRuleset
from scanner.sources.git import MESSAGE_PATH, common_dir, fsck_hint, open_repo, read_blob_data
from scanner.sources.history_walk import HistoryIndex, head_blobs, partial_index, ref_state, walk
from scanner.sources.reader import text_chunks
from scanner.sources.text import decode

BATCH_BLOBS = 64
CHECKPOINT_SECONDS = 5.0  # how often the history cache is committed during an audit

Progress = Callable[[int, int], None]  # (blobs done, bytes done) increments


@dataclass(frozen=True)
class BlobResult:
    blob: str
    findings: tuple[Finding, ...]
    stats: ScanStats
    notices: tuple[Notice, ...] = ()


def _unreadable(blob: str, path: str, commit: str) -> BlobResult:
    message = f"object {blob} (at {path} in commit {commit[:12]}) is missing or corrupted"
    return BlobResult(blob, (), ScanStats(skipped_unreadable=1), (Notice(path, message),))


def _scan_blobs(
    batch: list[tuple[str, str, str]], state: tuple[str, CompiledRuleset, Policy]
) -> tuple[ScanStats, list[BlobResult]]:
    """Worker task: read and scan each (blob id, a path it had, a commit that introduced it) of the
    batch; its size is read from the object header first, so a blob over the limit is never read. The
    batch's counts are added up here, in the worker."""
    repo_path, ruleset, policy = state
    repo = pygit2.Repository(repo_path)  # cheap (about 0.1 ms); one per batch
    results = []
    for blob, path, commit in batch:
        try:
            _kind, size = repo.odb.read_header(blob)
            data = None if size > policy.max_file_size else read_blob_data(repo, blob)
        except (KeyError, ValueError, pygit2.GitError, GitError):
            results.append(_unreadable(blob, path, commit))
            continue
        if data is None:
            found_files = scan_path(path, None, ruleset, policy, blob=blob)
            results.append(BlobResult(blob, found_files, ScanStats(skipped_large=1)))
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


def _batches(items: list[tuple[str, str, str]]) -> Iterator[list[tuple[str, str, str]]]:
    """Batches of at most BATCH_BLOBS blobs: a worker reads one blob at a time, so memory stays
    bounded whatever the history holds."""
    for start in range(0, len(items), BATCH_BLOBS):
        yield items[start : start + BATCH_BLOBS]


def _blob_list(
    index: HistoryIndex, allow: CompiledAllowlist | None, skip: frozenset[str]
) -> list[tuple[str, str, str]]:
    """(blob id, a path it had, the commit that first introduced it there) of every blob to scan but
    those in `skip` and those seen only at allowlisted paths."""
    items = []
    for blob, places in index.occurrences.items():
        if blob in skip:
            continue
        kept = [(commit, path) for commit, path in places if allow is None or not allow.allows_path(path)]
        if kept:
            items.append((blob, kept[0][1], kept[0][0]))
    return items


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
    index: HistoryIndex,
    ruleset: CompiledRuleset,
    policy: Policy,
    cache: BlobCache | None,
    clean: set[str],
) -> list[Finding]:
    """Findings in every commit message but those in `clean`, known from the cache to hold none under
    the same rules (with no new commit and no finding, a repeated audit never builds the prefilter)."""
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


@dataclass(frozen=True)
class _Context:
    """What stays the same through one audit."""

    repo: Any
    ruleset: CompiledRuleset
    policy: Policy
    allow: CompiledAllowlist | None
    jobs: int
    skip_errors: bool
    progress: Progress | None
    on_total: Callable[[int], None] | None


@dataclass
class _Scanned:
    """What scanning an index gave: findings and notices to report, and, for the next audit's snapshot,
    the counts of the clean blobs and which blobs and messages were not clean."""

    stats: ScanStats
    clean: ScanStats
    findings: list[Finding] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    dirty_blobs: set[str] = field(default_factory=set)
    dirty_messages: set[str] = field(default_factory=set)
    complete: bool = True  # no object was unreadable (its notice would not be in a snapshot)

    def snapshot(self, index: HistoryIndex, at_head: set[str]) -> Snapshot:
        dirty = tuple((b, tuple(places)) for b, places in index.occurrences.items() if b in self.dirty_blobs)
        cited = {commit for _, places in dirty for commit, _ in places} | self.dirty_messages
        return Snapshot(
            clean=self.clean,
            dirty=dirty,
            messages=tuple(sha for sha, _ in index.messages if sha in self.dirty_messages),
            commits=tuple(sorted((index.order[sha], index.commits[sha]) for sha in cited)),
            at_head=tuple(blob for blob, _ in dirty if blob in at_head),
        )


def _scan_index(
    context: _Context, index: HistoryIndex, cache: BlobCache | None, known: frozenset[str], clean: ScanStats
) -> _Scanned:
    """Scans every blob of `index` but those in `known` (clean in the cache, counted in `clean`), then
    every commit message the cache does not know to be clean."""
    repo, skip_errors = context.repo, context.skip_errors
    items = _blob_list(index, context.allow, skip=known)
    scanned = _Scanned(stats=clean, clean=clean)
    if context.on_total is not None:
        context.on_total(len(items))
    if items:
        context.ruleset.prepare()
    state = (repo.path, context.ruleset, context.policy)
    batches = run_batches(_scan_blobs, _batches(items), state, context.jobs, len(items) > BATCH_BLOBS)
    checkpoint = time.monotonic()
    for batch_stats, results in batches:
        if batch_stats.skipped_unreadable and not skip_errors:
            broken_blob = next(r for r in results if r.stats.skipped_unreadable)
            raise GitError(
                f"{repo.path}: {broken_blob.notices[0].message}; {fsck_hint(repo)}, or pass "
                "--skip-errors to count it and go on"
            )
        scanned.stats += batch_stats
        if batch_stats.skipped_unreadable:  # its notice is in no snapshot: none is written
            scanned.complete = False
        for result in results:
            scanned.notices.extend(result.notices)
            if result.findings:
                places = index.occurrences[result.blob]
                scanned.findings.extend(_place(result.findings, places, context.allow))
            if result.notices or result.findings:
                scanned.dirty_blobs.add(result.blob)
            elif cache is not None:  # what the cache and the next snapshot record
                scanned.clean += replace(result.stats, cached=1)
                cache.store_clean(result.blob, result.stats)
            if context.progress is not None:
                context.progress(1, result.stats.bytes)
        if cache is not None and time.monotonic() - checkpoint > CHECKPOINT_SECONDS:
            cache.checkpoint()
            checkpoint = time.monotonic()
    clean_messages = cache.clean_messages() if cache is not None else set()
    messages = _message_findings(index, context.ruleset, context.policy, cache, clean_messages)
    scanned.dirty_messages.update(f.location.commit for f in messages if f.location.commit)
    scanned.findings.extend(messages)
    return scanned


def default_cache_dir(cwd: Path | None = None) -> Path:
    """`spillguard/` in the common git directory: linked worktrees share one history cache."""
    return common_dir(open_repo(cwd or Path.cwd())) / "spillguard"


def scan_history(
    ruleset: CompiledRuleset,
    policy: Policy,
    refs: tuple[str, ...] = (),
    jobs: int = 1,
    cwd: Path | None = None,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
    cache_dir: Path | None = None,
    warn: Callable[[str], None] | None = None,
    skip_errors: bool = False,
    on_commit: Callable[[], None] | None = None,
) -> Report:
    """Audits the history; with `cache_dir`, blobs scanned before under the same rule set are not read
    again, and an audit of refs that have not moved since a complete audit does not walk the history.
    `on_commit` is called for each commit walked; `on_total` with the number of blobs to read,
    once the walk is done; `progress` with each blob (and its bytes) scanned."""
    started = time.monotonic()
    repo = open_repo(cwd or Path.cwd())
    allow = compile_allowlist(policy.allowlist) if policy.allowlist.paths else None
    context = _Context(repo, ruleset, policy, allow, jobs, skip_errors, progress, on_total)
    cache = None
    if cache_dir is not None:
        cache = BlobCache.open(cache_dir, ruleset_key(ruleset.rules, policy), warn or (lambda _: None))
    if cache is None:  # no cache asked for, or another audit holds it
        index = walk(repo, refs, on_commit=on_commit)
        scanned = _scan_index(context, index, None, frozenset(), ScanStats())
        at_head = head_blobs(repo)
    else:
        with cache:
            state = ref_state(repo, refs)
            snapshot = cache.snapshot(state) if state is not None else None
            if snapshot is not None:
                index = partial_index(repo, snapshot.commits, snapshot.dirty, snapshot.messages)
                scanned = _scan_index(context, index, cache, frozenset(), snapshot.clean)
                at_head = set(snapshot.at_head)
            else:
                index = walk(repo, refs, cache.introduced().get, on_commit)
                cache.remember_walk(index.fresh)
                cached = cache.lookup(index.occurrences)
                scanned = _scan_index(context, index, cache, cached.ids, cached.stats)
                at_head = head_blobs(repo)
                if state is not None and scanned.complete:
                    cache.store_snapshot(state, scanned.snapshot(index, at_head))
    findings = scanned.findings
    groups = _group(findings, index, at_head)
    report_findings = sort_findings(_first_per_fingerprint(findings, index))
    cited = sorted({f.location.commit for f in findings if f.location.commit})
    return Report(
        report_findings,
        ruleset.rules,
        scanned.stats,
        tuple(scanned.notices),
        time.monotonic() - started,
        tuple(index.commits[sha] for sha in cited),
        groups,
    )
