"""`spillguard scan --history`, the full-history audit: walk every ref (scanner.sources.history_walk),
scan each unique blob once (in a process pool; scanner.modes.history_blobs) and every commit message,
then map each blob's findings onto every commit and path that introduced it and group them per secret.
With a cache (scanner.modes.history_cache), blobs and messages scanned clean before are not read again,
and an audit of refs that have not moved since a complete audit does not walk the history.

For the credential inventory, `audit_history` also returns the audit's exposure (scanner.trail): where
the blobs with findings were introduced and removed, and what the ref tips hold of them, computed for
those few blobs only (scanner.sources.exposure) and kept in the cache per ref state."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from scanner.engine.index import RuleIndex
from scanner.model import Chunk, Finding, Notice, Policy, Report, ScanStats
from scanner.modes.file_step import FileStep, Tally, build_report
from scanner.modes.history_blobs import (
    BATCH_BLOBS,
    batches,
    blob_list,
    first_per_fingerprint,
    group,
    place,
    scan_blobs,
)
from scanner.modes.history_cache import BlobCache, Snapshot, ruleset_key
from scanner.modes.history_snapshot import groups_key
from scanner.pool import run_batches
from scanner.sources.exposure import tip_view, trail
from scanner.sources.gaps import gaps_after, gaps_before
from scanner.sources.git import MESSAGE_PATH, Repository, common_dir, git_dir, missing_object_error, open_repo
from scanner.sources.history_walk import HistoryIndex, head_blobs, partial_index, ref_state, walk
from scanner.trail import Exposure, Group

CHECKPOINT_SECONDS = 5.0  # how often the history cache is committed during an audit

Progress = Callable[[int, int], None]  # (blobs done, bytes done) increments


def _message_findings(
    index: HistoryIndex, step: FileStep, cache: BlobCache | None, clean: set[str]
) -> list[Finding]:
    """Findings in every commit message but those in `clean`, known from the cache to hold none under
    the same rules (with no new commit and no finding, a repeated audit never builds the prefilter)."""
    findings: list[Finding] = []
    for sha, message in index.messages:
        if sha in clean:
            continue
        found = step.chunks((Chunk(path=MESSAGE_PATH, text=message, commit=sha),)).findings
        if cache is not None and not found:
            cache.store_clean_message(sha)
        findings.extend(found)
    return findings


@dataclass(frozen=True)
class _Context:
    """What stays the same through one audit."""

    repo: Repository
    step: FileStep
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
        removed = tuple((b, tuple(index.removals[b])) for b, _ in dirty if b in index.removals)
        cited = {commit for _, places in dirty + removed for commit, _ in places} | self.dirty_messages
        return Snapshot(
            clean=self.clean,
            dirty=dirty,
            messages=tuple(sha for sha, _ in index.messages if sha in self.dirty_messages),
            commits=tuple(sorted((index.order[sha], index.commits[sha]) for sha in cited)),
            at_head=tuple(blob for blob, _ in dirty if blob in at_head),
            removed=removed,
        )


def _scan_index(
    context: _Context, index: HistoryIndex, cache: BlobCache | None, known: frozenset[str], clean: ScanStats
) -> _Scanned:
    """Scans every blob of `index` but those in `known` (clean in the cache, counted in `clean`), then
    every commit message the cache does not know to be clean."""
    repo, step = context.repo, context.step
    items = blob_list(index, step, skip=known)
    scanned = _Scanned(stats=clean, clean=clean)
    if context.on_total is not None:
        context.on_total(len(items))
    if items:
        step.prepare()  # before the pool forks: workers inherit the prefilter
    state = (git_dir(repo), step)
    results = run_batches(scan_blobs, batches(items), state, context.jobs, len(items) > BATCH_BLOBS)
    checkpoint = time.monotonic()
    for batch_stats, batch in results:
        if batch_stats.skipped_unreadable and not context.skip_errors:
            broken_blob = next(r for r in batch if r.stats.skipped_unreadable)
            raise missing_object_error(repo, broken_blob.notices[0].message)
        scanned.stats += batch_stats
        if batch_stats.skipped_unreadable:  # its notice is in no snapshot: none is written
            scanned.complete = False
        for result in batch:
            scanned.notices.extend(result.notices)
            if result.findings:
                scanned.findings.extend(place(result.findings, index.occurrences[result.blob], step))
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
    messages = _message_findings(index, step, cache, clean_messages)
    scanned.dirty_messages.update(f.location.commit for f in messages if f.location.commit)
    scanned.findings.extend(messages)
    return scanned


def default_cache_dir(cwd: Path | None = None) -> Path:
    """`spillguard/` in the common git directory: linked worktrees share one history cache."""
    return common_dir(open_repo(cwd or Path.cwd())) / "spillguard"


def _groups(findings: list[Finding]) -> dict[str, Group]:
    """secret hash -> what holds that secret: the (blob, path) pairs and the commit messages."""
    pairs: dict[str, set[tuple[str, str]]] = {}
    messages: dict[str, set[str]] = {}
    for finding in findings:
        location = finding.location
        pairs.setdefault(finding.secret_hash, set())
        if location.blob is not None:
            pairs[finding.secret_hash].add((location.blob, location.path))
        elif location.commit is not None:
            messages.setdefault(finding.secret_hash, set()).add(location.commit)
    return {
        secret: Group(tuple(sorted(held)), tuple(sorted(messages.get(secret, ()))))
        for secret, held in pairs.items()
    }


def _exposure(
    repo: Repository,
    refs: tuple[str, ...],
    index: HistoryIndex,
    findings: list[Finding],
    cache: BlobCache | None,
    state: str | None,
) -> Exposure:
    """The trail of the blobs and messages with findings, and what the ref tips hold of each secret:
    from the cache when an inventory of the same ref state and groups stored it, else asked of the
    repository (and stored). The cache sees the groups in a canonical order, never a secret hash."""
    by_secret = _groups(findings)
    secrets = sorted(by_secret, key=lambda secret: (by_secret[secret].pairs, by_secret[secret].messages))
    groups = tuple(by_secret[secret] for secret in secrets)
    blobs = {blob for group in groups for blob, _ in group.pairs}
    found = trail(index, blobs, {sha for group in groups for sha in group.messages})
    key = groups_key(groups)
    view = cache.tip_view(state, key) if cache is not None and state is not None else None
    if view is None or len(view.presence) != len(groups):
        view = tip_view(repo, refs, found, groups)
        if cache is not None and state is not None:
            cache.store_tip_view(state, key, view)
    return Exposure(found, view.tips, tuple(zip(secrets, groups, view.presence, strict=True)))


@dataclass(frozen=True)
class Audit:
    """A history audit's report and, when asked for, its exposure (for the inventory)."""

    report: Report
    exposure: Exposure | None = None


def scan_history(
    ruleset: RuleIndex,
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
    allow_shallow: bool = False,
) -> Report:
    """Audits the history; with `cache_dir`, blobs scanned before under the same rule set are not read
    again, and an audit of refs that have not moved since a complete audit does not walk the history.
    `on_commit` is called for each commit walked; `on_total` with the number of blobs to read,
    once the walk is done; `progress` with each blob (and its bytes) scanned. A shallow clone is an
    error unless `allow_shallow`; every gap in what can be read (scanner.sources.gaps) is warned about
    and listed in the report."""
    return audit_history(
        ruleset,
        policy,
        refs,
        jobs,
        cwd,
        progress,
        on_total,
        cache_dir,
        warn,
        skip_errors,
        on_commit,
        allow_shallow=allow_shallow,
    ).report


def audit_history(
    ruleset: RuleIndex,
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
    exposure: bool = False,
    allow_shallow: bool = False,
) -> Audit:
    """`scan_history`, and with `exposure` the audit's exposure too."""
    started = time.monotonic()
    repo = open_repo(cwd or Path.cwd())
    gaps = gaps_before(repo, allow_shallow, warn)
    context = _Context(repo, FileStep(ruleset, policy), jobs, skip_errors, progress, on_total)
    cache = None
    exposed = None
    if cache_dir is not None:
        cache = BlobCache.open(cache_dir, ruleset_key(ruleset.rules, policy), warn or (lambda _: None))
    if cache is None:  # no cache asked for, or another audit holds it
        index = walk(repo, refs, on_commit=on_commit)
        scanned = _scan_index(context, index, None, frozenset(), ScanStats())
        at_head = head_blobs(repo)
        if exposure:
            exposed = _exposure(repo, refs, index, scanned.findings, None, None)
    else:
        with cache:
            state = ref_state(repo, refs)
            snapshot = cache.snapshot(state) if state is not None else None
            if snapshot is not None:
                index = partial_index(
                    repo, snapshot.commits, snapshot.dirty, snapshot.messages, snapshot.removed
                )
                scanned = _scan_index(context, index, cache, frozenset(), snapshot.clean)
                at_head = set(snapshot.at_head)
            else:
                index = walk(repo, refs, cache.walked().get, on_commit)
                cache.remember_walk(index.fresh)
                cached = cache.lookup(index.occurrences)
                scanned = _scan_index(context, index, cache, cached.ids, cached.stats)
                at_head = head_blobs(repo)
                if state is not None and scanned.complete:
                    cache.store_snapshot(state, scanned.snapshot(index, at_head))
            if exposure:
                exposed = _exposure(repo, refs, index, scanned.findings, cache, state)
    gaps = gaps_after(repo, gaps, scanned.stats.skipped_unreadable, warn)
    findings = scanned.findings
    tally = Tally(first_per_fingerprint(findings, index), scanned.notices, scanned.stats)
    cited = sorted({f.location.commit for f in findings if f.location.commit})
    commits = tuple(index.commits[sha] for sha in cited)
    report = build_report(tally, ruleset, started, commits, group(findings, index, at_head))
    return Audit(replace(report, history_gaps=gaps), exposed)
