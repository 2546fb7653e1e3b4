"""Puts a baseline's verdict on a report, and decides what fails the run. The baseline modules (and
hashlib's scrypt, the process pool) are imported only when a baseline is in use."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.model import Report, Severity

if TYPE_CHECKING:
    from scanner.baseline.format import Baseline


def load_baseline(path: str) -> Baseline:
    from scanner.baseline.format import load
    from scanner.baseline.match import consistent

    return load(Path(path), consistent)


def with_baseline(
    report: Report,
    baseline: Baseline,
    today: date,
    scope: tuple[str, ...] | None,
    show_known: bool,
    jobs: int = 1,
) -> Report:
    from scanner.baseline.match import compare, slow_hashes

    slow = slow_hashes(report.findings, baseline.params, jobs)
    view = compare(report.findings, baseline, slow, today, scope, show_known)
    return replace(report, baseline=view)


def failing(report: Report, threshold: Severity | None) -> bool:
    """Whether the run fails. `threshold` None means `--fail-on new`: new findings of any severity
    fail, known ones never. Otherwise findings at or above the severity (their own, which an exposure
    may have raised above the rule's) fail, except known ones whose baseline entry is not real and not
    past its expiry."""
    rules = {rule.id: rule for rule in report.rules}
    marks = dict(report.baseline.known) if report.baseline is not None else {}
    for finding in report.findings:
        mark = marks.get(finding.fingerprint)
        if threshold is None:
            if mark is None:
                return True
            continue
        if finding.severity_for(rules[finding.rule_id]).rank < threshold.rank:
            continue
        if mark is None or mark.failing:
            return True
    return False
