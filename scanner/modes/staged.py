"""Runs the engine over git sources (staged changes, commit ranges) and builds the report."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scanner.engine.file_rules import scan_path
from scanner.engine.filters import compile_allowlist
from scanner.engine.scan import scan_chunk
from scanner.errors import GitError
from scanner.model import CommitInfo, Finding, Notice, Policy, Report, ScanStats
from scanner.modes.workdir import sort_findings
from scanner.ruleset.compiled import CompiledRuleset
from scanner.sources.git import (
    GitItem,
    ReadLimits,
    blob_text,
    commit_info,
    commit_items,
    open_repo,
    range_commits,
    staged_items,
)


def _file_findings(
    repo: Any, new_file: tuple[str, str, str | None], ruleset: CompiledRuleset, policy: Policy
) -> tuple[Finding, ...]:
    path, oid, commit = new_file
    needs_text = any(
        rule.content is not None and any(p.search(path) for p in rule.paths) for rule in ruleset.file_rules
    )
    text = blob_text(repo, oid, policy.max_file_size) if needs_text else None
    return scan_path(path, text, ruleset, policy, commit=commit, blob=oid)


def _scan_items(
    repo: Any, items: Iterable[GitItem], ruleset: CompiledRuleset, policy: Policy
) -> tuple[list[Finding], list[Notice], ScanStats]:
    allow = compile_allowlist(policy.allowlist) if policy.allowlist.paths else None
    findings: list[Finding] = []
    notices: list[Notice] = []
    stats = ScanStats()
    for item in items:
        stats += item.stats
        if item.notice is not None:
            notices.append(item.notice)
        if item.new_file is not None and not (allow is not None and allow.allows_path(item.new_file[0])):
            findings.extend(_file_findings(repo, item.new_file, ruleset, policy))
        chunk = item.chunk
        if chunk is None:
            continue
        if allow is not None and allow.allows_path(chunk.path):
            continue
        result = scan_chunk(chunk, ruleset, policy)
        findings.extend(result.findings)
        notices.extend(result.notices)
        stats += ScanStats(timeouts=len(result.notices))
    return findings, notices, stats


def scan_staged(
    ruleset: CompiledRuleset,
    policy: Policy,
    all_lines: bool = False,
    cwd: Path | None = None,
    skip_errors: bool = False,
) -> Report:
    started = time.monotonic()
    repo = open_repo(cwd or Path.cwd())
    if repo.is_bare:
        raise GitError(
            f"{repo.path}: a bare repository has no index, so nothing is staged; use --range or --history"
        )
    limits = ReadLimits(policy.max_file_size, skip_errors)
    findings, notices, stats = _scan_items(repo, staged_items(repo, limits, all_lines), ruleset, policy)
    return Report(sort_findings(findings), ruleset.rules, stats, tuple(notices), time.monotonic() - started)


def parse_range(spec: str) -> tuple[str | None, str]:
    """`BASE..HEAD`, `BASE..` (to HEAD) or a single revision (its whole history)."""
    if ".." in spec:
        base, _, head = spec.partition("..")
        return (base or None), (head.lstrip(".") or "HEAD")
    return None, spec


def scan_range(
    spec: str,
    ruleset: CompiledRuleset,
    policy: Policy,
    cwd: Path | None = None,
    skip_errors: bool = False,
) -> Report:
    started = time.monotonic()
    limits = ReadLimits(policy.max_file_size, skip_errors)
    repo = open_repo(cwd or Path.cwd())
    if repo.head_is_unborn and spec.endswith("HEAD"):
        return Report((), ruleset.rules, ScanStats(), (), 0.0)
    base, head = parse_range(spec)
    commits = range_commits(repo, base, head)
    findings: list[Finding] = []
    notices: list[Notice] = []
    stats = ScanStats()
    infos: list[CommitInfo] = []
    for commit in commits:
        infos.append(commit_info(commit))
        found, noted, counted = _scan_items(repo, commit_items(repo, commit, limits), ruleset, policy)
        findings.extend(found)
        notices.extend(noted)
        stats += counted
    return Report(
        sort_findings(findings),
        ruleset.rules,
        stats,
        tuple(notices),
        time.monotonic() - started,
        tuple(infos),
    )
