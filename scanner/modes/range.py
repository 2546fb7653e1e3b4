"""`spillguard scan --range BASE..HEAD` / `--since REF` (CI, the pre-push hook): each commit's message
and the lines it added, through the shared per-file step; the report names the commits."""

from __future__ import annotations

import time
from pathlib import Path

from scanner.engine.index import RuleIndex
from scanner.model import CommitInfo, Policy, Report
from scanner.modes.changes import scan_changes
from scanner.modes.file_step import FileStep, Tally, build_report
from scanner.sources.changes import ReadLimits, commit_changes, range_commits
from scanner.sources.git import commit_info, head_is_unborn, open_repo


def parse_range(spec: str) -> tuple[str | None, str]:
    """`BASE..HEAD`, `BASE..` (to HEAD) or a single revision (its whole history)."""
    if ".." in spec:
        base, _, head = spec.partition("..")
        return (base or None), (head.lstrip(".") or "HEAD")
    return None, spec


def scan_range(
    spec: str,
    ruleset: RuleIndex,
    policy: Policy,
    cwd: Path | None = None,
    skip_errors: bool = False,
) -> Report:
    started = time.monotonic()
    limits = ReadLimits(policy.max_file_size, skip_errors)
    repo = open_repo(cwd or Path.cwd())
    tally = Tally()
    if head_is_unborn(repo) and spec.endswith("HEAD"):  # no commit yet: nothing to scan
        return build_report(tally, ruleset, started)
    base, head = parse_range(spec)
    step = FileStep(ruleset, policy)
    infos: list[CommitInfo] = []
    for commit in range_commits(repo, base, head):
        infos.append(commit_info(commit))
        scan_changes(repo, commit_changes(repo, commit, limits), step, tally)
    return build_report(tally, ruleset, started, tuple(infos))
