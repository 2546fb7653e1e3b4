"""Puts a baseline's verdict on a report (what fails the run is decided in scanner.decision). The
baseline modules (and hashlib's scrypt, the process pool) are imported only when a baseline is in use."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.model import Report

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
