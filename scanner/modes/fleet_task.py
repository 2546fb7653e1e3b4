"""One repository of a fleet, audited on a worker (a Dask task; scanner.modes.fleet submits it): bring
its bare mirror up to date (or open a local repository in place), audit its whole history through its
history cache, apply the baseline it commits, and send back a compact `RepoResult` (scanner.fleet_model):
its credentials with ids salted by the fleet's key, counts, and the refs it audited.

A repository that cannot be fetched or read is a result that says why, never an exception: the fleet
goes on. An exception out of here is a bug or a dying worker; Dask retries the task.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import resource
import shutil
import socket
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

from scanner.engine.index import RuleIndex
from scanner.errors import SpillguardError
from scanner.fleet_model import Outcome, RefListing, Repo, RepoResult, Sighting
from scanner.model import Finding, KnownMark, Policy, Report
from scanner.modes.fleet_state import history_cache_dir, mirror_dir
from scanner.modes.history import scan_history
from scanner.sources.git import head_file
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


def credential_id(key: bytes, secret_hash: str) -> str:
    message = b"spillguard-credential-v1\0" + secret_hash.encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def _baseline_marks(report: Report, path: Path, notes: list[str]) -> Report | None:
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
    return with_baseline(report, baseline, date.today(), None, True)


def sightings(report: Report, key: bytes) -> tuple[Sighting, ...]:
    """One Sighting per secret in the report."""
    rules = {rule.id: rule for rule in report.rules}
    commits = {info.sha: info for info in report.commits}
    marks: dict[str, KnownMark] = dict(report.baseline.known) if report.baseline is not None else {}
    by_secret: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_secret.setdefault(finding.secret_hash, []).append(finding)
    found = []
    for secret, findings in by_secret.items():
        prints = {f.fingerprint for f in findings}
        groups = [g for g in report.groups if prints.intersection(g.fingerprints)]
        rule = min((rules[f.rule_id] for f in findings), key=lambda r: (r.is_generic, -r.severity.rank, r.id))
        dated = sorted(
            (f for f in findings if f.location.commit in commits),
            key=lambda f: commits[f.location.commit or ""].date,
        )
        first = dated[0] if dated else min(findings, key=lambda f: (f.location.path, f.location.line))
        statuses = {marks[p].status for p in prints if p in marks}
        found.append(
            Sighting(
                id=credential_id(key, secret),
                rule_id=rule.id,
                rules=tuple(sorted({f.rule_id for f in findings})),
                severity=max((f.severity_for(rules[f.rule_id]) for f in findings), key=lambda s: s.rank),
                preview=first.preview,
                first=commits.get(first.location.commit or ""),
                first_path=first.location.path,
                first_line=first.location.line,
                last=commits.get(dated[-1].location.commit or "") if dated else None,
                paths=tuple(
                    sorted({f.location.path for f in findings} | {p for g in groups for p in g.paths})
                ),
                commits=max(sum(g.commits for g in groups), len({f.location.commit for f in dated})),
                authors=tuple(dict.fromkeys(commits[f.location.commit or ""].author for f in dated)),
                open=any(g.present_at_head for g in groups) or not groups,
                review=min(statuses, key=lambda s: s.value)
                if len(statuses) == 1 and prints <= set(marks)
                else None,
            )
        )
    return tuple(sorted(found, key=lambda s: s.id))


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
    report = scan_history(
        config.ruleset,
        config.policy,
        jobs=1,
        cwd=path,
        cache_dir=history_cache_dir(work, repo),
        warn=notes.append,
        skip_errors=config.skip_errors,
    )
    shown = report.notices[:MAX_NOTES]  # unreadable objects (with --skip-errors), regex time-outs
    notes.extend(f"{notice.path}: {notice.message}" for notice in shown)
    if len(report.notices) > len(shown):
        notes.append(f"and {len(report.notices) - len(shown)} more notices")
    reviewed = _baseline_marks(report, path, notes)
    if not repo.local and config.remove_mirrors:
        shutil.rmtree(path, ignore_errors=True)
    final = reviewed or report
    stripped = None
    if config.sarif:  # no rules (the client has them), no secret hash: only what SARIF shows
        findings = tuple(replace(f, secret_hash="") for f in final.findings)
        stripped = replace(final, rules=(), findings=findings)
    return RepoResult(
        repo=repo,
        outcome=Outcome.SCANNED,
        listing=audited,
        stats=report.stats,
        findings=len(report.findings),
        sightings=sightings(final, config.key),
        baseline=reviewed is not None,
        report=stripped,
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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux counts KiB
    return replace(
        result,
        notes=tuple(notes),
        scanned_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        seconds=time.monotonic() - started,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        peak_rss=peak,
    )
