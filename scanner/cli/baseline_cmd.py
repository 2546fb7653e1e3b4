"""`spillguard baseline create|update|report|import|upgrade` (and `audit`, in baseline_review_cmd)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from scanner.baseline.apply import load_baseline
from scanner.baseline.format import DEFAULT_PATH, Baseline, Entry, load, save
from scanner.baseline.imports import FORMATS as IMPORT_FORMATS
from scanner.baseline.match import (
    consistent,
    create,
    identify,
    in_scope,
    new_params,
    slow_hashes,
    update,
)
from scanner.cli.baseline_merge_cmd import merge_cmd
from scanner.cli.baseline_review_cmd import audit_cmd
from scanner.cli.options import baseline_option, waiting_for
from scanner.cli.source_options import SourceOptions, policy_and_rules, run, source_options
from scanner.errors import BaselineError
from scanner.locked import locked
from scanner.model import ReviewStatus
from scanner.pool import default_jobs
from scanner.reporters.text import printable

F = TypeVar("F", bound=Callable[..., Any])


def _output_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False),
        default=DEFAULT_PATH,
        show_default=True,
        help=help_text,
    )


@click.group()
def baseline() -> None:
    """Record known findings (by salted hash, never the secret) so only new ones fail, and review
    them."""


baseline.add_command(audit_cmd)
baseline.add_command(merge_cmd)


@baseline.command("create")
@source_options
@_output_option("Where to write the baseline.")
@click.option("--force", is_flag=True, help="Replace an existing baseline file.")
def create_cmd(source: SourceOptions, output: str, force: bool) -> int:
    """Scan (any source: paths, --staged, --range, --history) and record every finding as an
    unreviewed entry."""
    target = Path(output)
    if target.exists() and not force:
        raise BaselineError(
            f"{output}: already exists; use `spillguard baseline update` to refresh it, "
            "or --force to replace it"
        )
    policy, ruleset = policy_and_rules(source)
    report = run(source, ruleset, policy, quiet=True)
    params = new_params()
    created = create(
        report.findings, params, slow_hashes(report.findings, params, source.jobs or default_jobs())
    )
    save(created, target)
    click.echo(f"wrote {output}: {len(created.entries)} entries")
    return 0


@baseline.command("update")
@source_options
@baseline_option()
def update_cmd(source: SourceOptions, baseline_path: str) -> int:
    """Scan again: add new findings as unreviewed, keep every review, and remove entries no longer
    found, but only inside what was scanned (a staged or range scan never removes). Two updates at once
    take turns: the second waits, then reads what the first wrote."""
    with locked(Path(baseline_path), waiting_for(baseline_path)):
        current = load_baseline(baseline_path)
        policy, ruleset = policy_and_rules(source)
        report = run(source, ruleset, policy, quiet=True)
        slow = slow_hashes(report.findings, current.params, source.jobs or default_jobs())
        updated, added, removed = update(current, report.findings, slow, source.scope_for(report))
        save(updated, Path(baseline_path))
    click.echo(f"updated {baseline_path}: {added} added, {removed} removed, {len(updated.entries)} entries")
    return 0


def _counts(entries_baseline: Baseline, today: date, stale: set[str] | None) -> dict[str, object]:
    by_rule: dict[str, dict[str, int]] = {}
    for entry in entries_baseline.entries:
        row = by_rule.setdefault(entry.rule_id, {})
        row[entry.status.value] = row.get(entry.status.value, 0) + 1
    return {
        "entries": len(entries_baseline.entries),
        "by_rule": {rule: dict(sorted(row.items())) for rule, row in sorted(by_rule.items())},
        "by_status": {
            s.value: sum(1 for e in entries_baseline.entries if e.status is s) for s in ReviewStatus
        },
        "unreviewed": [
            _entry_ref(e) for e in entries_baseline.entries if e.status is ReviewStatus.UNREVIEWED
        ],
        "expired": [_entry_ref(e) for e in entries_baseline.entries if e.expired(today)],
        "stale": None
        if stale is None
        else [_entry_ref(e) for e in entries_baseline.entries if e.fingerprint in stale],
    }


def _entry_ref(entry: Entry) -> dict[str, object]:
    return {
        "fingerprint": entry.fingerprint,
        "rule_id": entry.rule_id,
        "path": entry.path,
        "line": entry.line,
        "status": entry.status.value,
    }


@baseline.command("report")
@source_options
@baseline_option()
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-scan", is_flag=True, help="Do not scan; stale entries are then not reported.")
def report_cmd(source: SourceOptions, baseline_path: str, fmt: str, no_scan: bool) -> int:
    """Counts by rule and status, unreviewed entries, entries past their expiry, and stale entries
    (not found by a scan of the given source, by default the current directory)."""
    current = load_baseline(baseline_path)
    stale: set[str] | None = None
    if not no_scan:
        policy, ruleset = policy_and_rules(source)
        report = run(source, ruleset, policy, quiet=True)
        slow = slow_hashes(report.findings, current.params, source.jobs or default_jobs())
        found = {identify(f, slow) for f in report.findings}
        scope = source.scope_for(report)
        stale = {
            e.fingerprint for e in current.entries if e.fingerprint not in found and in_scope(e.path, scope)
        }
    data = _counts(current, date.today(), stale)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return 0
    click.echo(f"{baseline_path}: {data['entries']} entries")
    for status, count in data["by_status"].items():  # type: ignore[attr-defined]
        click.echo(f"  {status:15s} {count}")
    click.echo("by rule:")
    for rule, row in data["by_rule"].items():  # type: ignore[attr-defined]
        click.echo(f"  {rule:40s} " + ", ".join(f"{k} {v}" for k, v in row.items()))
    for label in ("unreviewed", "expired", "stale"):
        refs = data[label]
        if refs:
            click.echo(f"{label} ({len(refs)}):")  # type: ignore[arg-type]
            for ref in refs:  # type: ignore[attr-defined]
                click.echo(
                    f"  {printable(ref['path'])}:{ref['line']}  {ref['rule_id']}  "
                    f"{ref['status']}  {ref['fingerprint'][:12]}"
                )
    return 0


@baseline.command("upgrade")
@baseline_option()
def upgrade_cmd(baseline_path: str) -> int:
    """Rewrite a baseline of an older format version in the current one."""
    path = Path(baseline_path)
    with locked(path, waiting_for(baseline_path)):
        save(load(path, consistent), path)  # read bounded, never from a FIFO; every entry checked
    click.echo(f"{baseline_path}: now version 1")
    return 0


@baseline.command("import")
@click.argument(
    "fmt",
    metavar="FORMAT",
    type=click.Choice(IMPORT_FORMATS),
)
@click.argument("foreign", metavar="FILE", type=click.Path(dir_okay=False))
@source_options
@_output_option("Baseline to write (merged into it when it exists).")
def import_cmd(fmt: str, foreign: str, source: SourceOptions, output: str) -> int:
    """Build or extend a baseline from another scanner's FILE: a detect-secrets .secrets.baseline, a
    gitleaks or betterleaks JSON report, or a .gitleaksignore. The project is scanned (by default the
    current directory) and the findings FILE names are recorded, with their review labels."""
    from scanner.baseline.imports import READERS, match

    entries = READERS[fmt](Path(foreign))
    # secrets stay in memory, only hashed for matching
    policy, ruleset = policy_and_rules(source, reveal=True)
    report = run(source, ruleset, policy, quiet=True)
    skipped = {notice.path: notice.message for notice in report.notices}
    git_source = source.history or source.staged or bool(source.commit_range or source.since)
    imported, unmatched = match(entries, report.findings, skipped, _present(git_source))
    target = Path(output)
    with locked(target, waiting_for(output)):
        current = load_baseline(output) if target.exists() else Baseline(new_params(), ())
        findings = [replace(item.finding, secret=None) for item in imported]
        slow = slow_hashes(findings, current.params, source.jobs or default_jobs())
        merged, added, _removed = update(current, findings, slow, None)
        labels = {identify(item.finding, slow): item for item in imported}
        entries_out = []
        for entry in merged.entries:
            item = labels.get(entry.fingerprint)
            if item is not None and entry.status is ReviewStatus.UNREVIEWED:
                entry = replace(entry, status=item.status, reason=item.reason)
            entries_out.append(entry)
        save(replace(merged, entries=tuple(entries_out)), target)
    click.echo(
        f"imported {len(imported)} finding(s) from {foreign} into {output} ({added} new "
        f"entries); {len(unmatched)} of {len(entries)} {fmt} entries matched no current finding"
    )
    for miss in unmatched[:MAX_REASONS]:
        click.echo(f"  not matched: {printable(miss.reason)}")
    if len(unmatched) > MAX_REASONS:
        click.echo(f"  ... and {len(unmatched) - MAX_REASONS} more")
    return 0


MAX_REASONS = 20


def _present(git_source: bool) -> Callable[[str], bool]:
    """Whether a foreign entry's path names a file: in the work tree for a directory scan (paths are
    reported from the work tree root, or the current directory); any path of a git source."""
    if git_source:
        return lambda path: True
    from scanner.sources.file_walk import find_worktree

    base = find_worktree(Path.cwd()) or Path.cwd()
    return lambda path: (base / path).is_file()
