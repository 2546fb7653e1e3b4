"""What a run reports and what fails it, decided in one place, on records only.

- A known finding (its secret is in the baseline) still fails while the entry is marked real (the
  secret is not rotated yet) or its review is past its expiry: `still_failing`.
- Reported: with `--min-severity`, the findings at or above it (`at_or_above`); with a baseline, the
  new findings and the known ones that still fail, or every known one with `--show-known` (`visible`).
- The run fails (`failing`) on a finding at or above `--fail-on` that is new or still fails; with
  `--fail-on new`, on new findings only (`fails` judges one finding, `failing_findings` lists them).
- SARIF marks a known finding suppressed when it no longer fails and was reviewed as a false positive
  or an accepted risk (`suppressed`).
- An inventory fails (`inventory_failing`) on an open credential (in a tree, or in a commit message)
  at or above `--fail-on` that is unreviewed, reviewed as real, or whose review is past its expiry
  (`credential_failing`); credentials only in history are reported, with their purge steps, but do not
  fail it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from scanner.model import Finding, KnownMark, Report, ReviewStatus, Severity

if TYPE_CHECKING:  # annotations only: a scan that builds no inventory does not load its model
    from scanner.inventory_model import Credential


def still_failing(status: ReviewStatus, expired: bool) -> bool:
    """A known real secret is not fixed until rotated; an accepted risk or review past its expiry is
    due again."""
    return status is ReviewStatus.REAL or expired


def at_or_above(report: Report, threshold: Severity) -> Report:
    """The report with only the findings whose effective severity (their own, which an exposure may
    have raised, else their rule's) is at least `threshold`, and only the history groups that still
    hold one of them. Counts of what was scanned are kept."""
    if threshold is Severity.LOW:
        return report
    rules = {rule.id: rule for rule in report.rules}
    findings = tuple(f for f in report.findings if f.severity_for(rules[f.rule_id]).rank >= threshold.rank)
    kept = {f.fingerprint for f in findings}
    groups = tuple(g for g in report.groups if kept.intersection(g.fingerprints))
    return replace(report, findings=findings, groups=groups)


def visible(report: Report) -> tuple[Finding, ...]:
    """What a report lists: every finding without a baseline; with one, new findings and known ones
    that still fail (all known ones with show_known)."""
    if report.baseline is None or report.baseline.show_known:
        return report.findings
    marks = dict(report.baseline.known)
    return tuple(f for f in report.findings if f.fingerprint not in marks or marks[f.fingerprint].failing)


def fails(
    finding: Finding, rule_severity: Severity, mark: KnownMark | None, threshold: Severity | None
) -> bool:
    """Whether this finding fails the run. `threshold` None means `--fail-on new`: a new finding of any
    severity fails, a known one never. Otherwise a finding at or above the severity (its own, which an
    exposure may have raised above its rule's, `rule_severity`) fails unless it is known and its
    baseline entry is neither real nor past its expiry."""
    if threshold is None:
        return mark is None
    if (finding.severity or rule_severity).rank < threshold.rank:
        return False
    return mark is None or mark.failing


def failing_findings(report: Report, threshold: Severity | None) -> tuple[Finding, ...]:
    """The findings that fail the run (`fails`), in report order."""
    rules = {rule.id: rule for rule in report.rules}
    marks = dict(report.baseline.known) if report.baseline is not None else {}
    return tuple(
        f for f in report.findings if fails(f, rules[f.rule_id].severity, marks.get(f.fingerprint), threshold)
    )


def failing(report: Report, threshold: Severity | None) -> bool:
    """Whether the run fails: whether any finding does (`fails`)."""
    return bool(failing_findings(report, threshold))


def suppressed(mark: KnownMark) -> bool:
    """Whether SARIF marks a known finding suppressed: reviewed as a false positive or an accepted
    risk, and not failing any more."""
    return not mark.failing and mark.status in (ReviewStatus.FALSE_POSITIVE, ReviewStatus.ACCEPTED_RISK)


def credential_failing(credential: Credential, threshold: Severity) -> bool:
    """Whether an inventoried credential fails the run at `--fail-on threshold`."""
    review = credential.review
    due = review.status in (ReviewStatus.UNREVIEWED, ReviewStatus.REAL) or review.expired
    return credential.window.open and credential.severity.rank >= threshold.rank and due


def inventory_failing(credentials: tuple[Credential, ...], threshold: Severity) -> bool:
    return any(credential_failing(c, threshold) for c in credentials)
