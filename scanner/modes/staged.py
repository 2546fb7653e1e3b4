"""`spillguard scan --staged` (and the pre-commit hook): what the next commit would add, read from the
index (scanner.sources.changes), through the shared per-file step."""

from __future__ import annotations

import time
from pathlib import Path

from scanner.engine.index import RuleIndex
from scanner.model import Policy, Report
from scanner.modes.changes import scan_changes
from scanner.modes.file_step import FileStep, Tally, build_report
from scanner.sources.changes import ReadLimits, staged_changes
from scanner.sources.git import open_repo


def scan_staged(
    ruleset: RuleIndex,
    policy: Policy,
    all_lines: bool = False,
    cwd: Path | None = None,
    skip_errors: bool = False,
) -> Report:
    started = time.monotonic()
    repo = open_repo(cwd or Path.cwd())
    tally = Tally()
    limits = ReadLimits(policy.max_file_size, skip_errors)
    scan_changes(repo, staged_changes(repo, limits, all_lines), FileStep(ruleset, policy), tally)
    return build_report(tally, ruleset, started)
