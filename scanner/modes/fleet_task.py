"""One repository of a fleet, audited on a worker (a Dask task; scanner.modes.fleet submits it): bring
its bare mirror up to date (or open a local repository in place), audit its whole history through its
history cache (with the exposure the inventory needs: scanner.modes.history.audit_history), apply
the baseline it commits, take its credential inventory (scanner.credentials) with ids keyed by the
fleet's key, and send back a compact `RepoResult` (scanner.fleet_model): those credentials, counts,
and the refs it audited.

A repository that cannot be fetched or read is a result that says why, never an exception: the fleet
goes on. An exception out of here is a bug or a dying worker; Dask retries the task.
"""

from __future__ import annotations

import gc
import os
import resource
import shutil
import socket
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

from scanner.credentials import build
from scanner.engine.index import RuleIndex
from scanner.errors import SpillguardError
from scanner.fleet_model import Outcome, RefListing, Repo, RepoResult
from scanner.model import Policy, Report
from scanner.modes.fleet_state import history_cache_dir, mirror_dir
from scanner.modes.history import audit_history
from scanner.sources.git import absent_at_head, head_file, open_repo
from scanner.sources.remote import list_local, list_refs, update_mirror

BASELINE_FILE = ".spillguard-baseline.json"  # a repository's committed baseline, read from HEAD
MAX_BASELINE_BYTES = 256 * 1024 * 1024
MAX_NOTES = 20  # a repository's notices kept in its result, the rest counted


@dataclass(frozen=True)
class TaskConfig:
    """What every task of a fleet shares (scattered once to each worker)."""

    ruleset: RuleIndex
    policy: Policy
    key: bytes  # the fleet's inventory key: credential ids are HMACs under it
    work: str  # the worker's state root: mirrors and history caches
    git_timeout: float
    remove_mirrors: bool = False
    sarif: bool = False  # send the report back, for a SARIF file per repository
    skip_errors: bool = False


def _baseline_marks(report: Report, path: Path, today: date, notes: list[str]) -> Report | None:
    """The report with the committed baseline's verdict, or None without one (a baseline that does not
    load is a note, and is not used)."""
    from scanner.baseline.apply import with_baseline
    from scanner.baseline.format import parse
    from scanner.baseline.match import consistent

    data = head_file(path, BASELINE_FILE, MAX_BASELINE_BYTES)
    if data is None:
        return None
    try:
        baseline = parse(data.decode("utf-8"), f"{BASELINE_FILE} at HEAD", consistent)
    except (SpillguardError, UnicodeDecodeError) as exc:
        notes.append(getattr(exc, "message", "the committed baseline is not UTF-8") + "; not used")
        return None
    return with_baseline(report, baseline, today, None, True)


def _gone(report: Report, path: Path) -> frozenset[str]:
    """Fingerprints of findings HEAD no longer holds (their file deleted or renamed since, or the secret
    removed from it): SARIF places them on their commit, as `scan --history` does."""
    in_files = [f for f in report.findings if f.location.in_file and f.location.commit]
    absent = absent_at_head(open_repo(path), {f.location.path for f in in_files}) if in_files else ()
    removed = {fp for group in report.groups if not group.present_at_head for fp in group.fingerprints}
    return frozenset(f.fingerprint for f in in_files if f.location.path in absent or f.fingerprint in removed)


def _audit(repo: Repo, listing: RefListing | None, config: TaskConfig, notes: list[str]) -> RepoResult:
    work = Path(config.work)
    if repo.local:
        path = Path(repo.source)
        audited = list_local(repo.source, config.git_timeout)
    else:
        path = mirror_dir(work, repo)
        if listing is None:  # not listed by the client: ask where HEAD points
            listing = list_refs(repo.source, repo.name, config.git_timeout)
        audited = update_mirror(path, repo.source, repo.name, listing.head, config.git_timeout)
    audit = audit_history(
        config.ruleset,
        config.policy,
        jobs=1,
        cwd=path,
        cache_dir=history_cache_dir(work, repo),
        warn=notes.append,
        skip_errors=config.skip_errors,
        exposure=True,
    )
    report = audit.report
    shown = report.notices[:MAX_NOTES]  # unreadable objects (with --skip-errors), regex time-outs
    notes.extend(f"{notice.path}: {notice.message}" for notice in shown)
    if len(report.notices) > len(shown):
        notes.append(f"and {len(report.notices) - len(shown)} more notices")
    today = date.today()
    reviewed = _baseline_marks(report, path, today, notes)
    if not repo.local and config.remove_mirrors:
        shutil.rmtree(path, ignore_errors=True)
    final = reviewed or report
    inventory = build(final, audit.exposure, config.key, today)
    stripped, gone = None, frozenset[str]()
    if config.sarif:  # no rules (the client has them), no secret hash: only what SARIF shows
        findings = tuple(replace(f, secret_hash="") for f in final.findings)
        stripped = replace(final, rules=(), findings=findings)
        gone = _gone(final, path)
    return RepoResult(
        repo=repo,
        outcome=Outcome.SCANNED,
        listing=audited,
        stats=report.stats,
        findings=len(report.findings),
        credentials=inventory.credentials,
        tips=inventory.tips,
        gaps=report.history_gaps or (),
        baseline=reviewed is not None,
        report=stripped,
        gone=gone,
    )


def audit_repository(repo: Repo, listing: RefListing | None, config: TaskConfig) -> RepoResult:
    """The task: `repo` audited on this worker (`listing` is what the client listed: where HEAD
    points). A failure is a result saying why."""
    started = time.monotonic()
    notes: list[str] = []
    try:
        result = _audit(repo, listing, config, notes)
    except SpillguardError as exc:
        result = RepoResult(repo=repo, outcome=Outcome.FAILED, reason=exc.message)
    except OSError as exc:  # the state directory: full, read-only, gone
        result = RepoResult(
            repo=repo, outcome=Outcome.FAILED, reason=f"{exc.strerror or exc} ({exc.filename})"
        )
    # A worker audits repository after repository: what one audit left in reference cycles (an open
    # repository holds its packs mapped) is freed now, not when the collector next looks at the
    # oldest objects (which the audit kept out of its sight: scanner.feed.Feed)
    gc.collect()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux counts KiB
    return replace(
        result,
        notes=tuple(notes),
        scanned_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        seconds=time.monotonic() - started,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        peak_rss=peak,
    )
