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
from dataclasses import dataclass, replace
from pathlib import Path

from scanner.engine.index import RuleIndex
from scanner.model import Finding, Policy, Report, ScanStats
from scanner.modes.file_step import FileStep, Tally, build_report
from scanner.modes.history_blobs import (
    first_per_fingerprint,
    group,
)
from scanner.modes.history_cache import BlobCache, ruleset_key
from scanner.modes.history_scan import AuditContext, BlobFeed
from scanner.modes.history_scan import Progress as Progress
from scanner.modes.history_snapshot import groups_key
from scanner.sources.exposure import tip_view, trail
from scanner.sources.gaps import gaps_after, gaps_before
from scanner.sources.git import Repository, common_dir, open_repo
from scanner.sources.history_refs import ref_state
from scanner.sources.history_walk import NOTE_PATHS, HistoryIndex, Listing, head_blobs, partial_index, walk
from scanner.trail import Exposure, Group

FEW_BLOBS = 1024  # blobs to read again in a repeated audit, at most, that one process reads alone


def default_cache_dir(cwd: Path | None = None, repo: Repository | None = None) -> Path:
    """`spillguard/` in the common git directory: linked worktrees share one history cache."""
    return common_dir(repo or open_repo(cwd or Path.cwd())) / "spillguard"


def holds_snapshot(cache_dir: Path, repo: Repository, refs: tuple[str, ...]) -> bool:
    """Whether the history cache in `cache_dir` holds a snapshot of an audit of `refs` as they are now
    (under whichever rules): then an audit most likely answers from it, without walking the history."""
    state = ref_state(repo, refs)
    return state is not None and BlobCache.holds_snapshot(cache_dir, state)


def _groups(findings: list[Finding]) -> dict[str, Group]:
    """secret hash -> what holds that secret: the (blob, path) pairs, and the commits whose message
    or git note holds it (a note is in no branch's tree: like a message, it stays in history)."""
    pairs: dict[str, set[tuple[str, str]]] = {}
    messages: dict[str, set[str]] = {}
    for finding in findings:
        location = finding.location
        pairs.setdefault(finding.secret_hash, set())
        if location.blob is not None and not location.path.startswith(NOTE_PATHS):
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
    listing: Listing | None = None,
) -> Report:
    """Audits the history; with `cache_dir`, blobs scanned before under the same rule set are not read
    again, and an audit of refs that have not moved since a complete audit does not walk the history.
    `on_commit` is called for each commit walked; `on_total` with the number of blobs to read,
    once the walk is done; `progress` with each blob (and its bytes) scanned. A shallow clone is an
    error unless `allow_shallow`; every gap in what can be read (scanner.sources.gaps) is warned about
    and listed in the report. `listing`: the walk's commits, being sorted already (the CLI's)."""
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
        listing=listing,
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
    allow_shallow: bool = False,
    exposure: bool = False,
    line_memo: bool = True,
    listing: Listing | None = None,
) -> Audit:
    """`scan_history`, and with `exposure` the audit's exposure too."""
    started = time.monotonic()
    repo = open_repo(cwd or Path.cwd())
    gaps = gaps_before(repo, allow_shallow, warn)
    context = AuditContext(repo, FileStep(ruleset, policy), jobs, skip_errors, progress, on_total, line_memo)
    cache = None
    exposed = None
    if cache_dir is not None:
        cache = BlobCache.open(cache_dir, ruleset_key(ruleset.rules, policy), warn or (lambda _: None))
    if cache is None:  # no cache asked for, or another audit holds it
        with BlobFeed(context, frozenset()) as feed:
            index = walk(
                repo, refs, on_commit=on_commit, on_introduced=feed.offer, remember=False, listing=listing
            )
            at_head = head_blobs(repo)  # (here, while the workers scan)
            scanned = feed.collect(index, None, ScanStats())
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
                # only the blobs with findings are read again: too few to repay starting workers
                few = len(index.occurrences) <= FEW_BLOBS
                # each on the lines that held its findings alone, where the snapshot names them
                only = dict(snapshot.lines)
                with BlobFeed(replace(context, jobs=1) if few else context, frozenset(), only) as feed:
                    for blob, places in index.occurrences.items():
                        for commit, path in places:
                            feed.offer(blob, commit, path)
                    scanned = feed.collect(index, cache, snapshot.clean)
                at_head = set(snapshot.at_head)
            else:
                with BlobFeed(context, cache.clean_ids(), lines=state is not None) as feed:
                    index = walk(repo, refs, cache.walked().get, on_commit, feed.offer, listing=listing)
                    cache.remember_walk(index.fresh)
                    cached = cache.lookup(index.occurrences)
                    at_head = head_blobs(repo)
                    scanned = feed.collect(index, cache, cached.stats)
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
