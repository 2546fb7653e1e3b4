"""JSON report, schema version 1 (documented in the README). Deterministic: sorted findings and keys,
no timings."""

from __future__ import annotations

import json

from scanner import __version__, decision
from scanner.fingerprint import FINGERPRINT_ALGORITHM
from scanner.model import CommitInfo, Finding, KnownMark, Report, Rule, SecretGroup
from scanner.remediation import as_dict, exposure_note
from scanner.reporters import RenderOptions

SCHEMA_VERSION = 1


def _baseline_dict(mark: KnownMark | None) -> dict[str, object]:
    if mark is None:
        return {"state": "new"}
    return {
        "state": "known",
        "status": mark.status.value,
        "reason": mark.reason,
        "failing": mark.failing,
        "expires": mark.expires,
    }


def finding_dict(finding: Finding, rule: Rule, commit: CommitInfo | None = None) -> dict[str, object]:
    loc = finding.location
    data: dict[str, object] = {
        "rule_id": finding.rule_id,
        "rule_name": rule.name,
        "severity": finding.severity_for(rule).value,
        "confidence": finding.confidence_for(rule).value,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "preview": finding.preview,
        "entropy": finding.entropy,
        "fingerprint": finding.fingerprint,
        "tags": list(rule.tags),
        "remediation": as_dict(rule),
    }
    if finding.confidence is not None:  # context-scored: how sure, and why (never the value)
        data["confidence_score"] = finding.confidence
        data["confidence_reasons"] = list(finding.reasons)
        if finding.severity is not None and finding.exposure is None:
            data["rule_severity"] = rule.severity.value
    if finding.decoded is not None:
        data["decoded"] = finding.decoded
    note = exposure_note(finding)
    if note is not None:  # severity was raised from the rule's: say why, and what to do
        data["exposure"] = finding.exposure
        data["rule_severity"] = rule.severity.value
        data["remediation"] = {**as_dict(rule), "exposure": note}
    if loc.cell is not None:
        data["cell"] = loc.cell
        data["cell_line"] = loc.cell_line
        data["cell_column"] = loc.cell_column
    if loc.commit is not None:
        data["commit"] = loc.commit
    if commit is not None:
        data["author"] = commit.author
        data["date"] = commit.date
    if loc.blob is not None:
        data["blob"] = loc.blob
    if finding.secret is not None:
        data["secret"] = finding.secret
    return data


def group_dict(group: SecretGroup, commit: CommitInfo | None) -> dict[str, object]:
    first = group.first
    return {
        "rule_id": group.rule_id,
        "preview": group.preview,
        "first_commit": first.commit,
        "first_author": commit.author if commit else None,
        "first_date": commit.date if commit else None,
        "first_path": first.path,
        "first_line": first.line,
        "paths": list(group.paths),
        "commits": group.commits,
        "present_at_head": group.present_at_head,
        "fingerprints": list(group.fingerprints),
    }


def _with_baseline(report: Report, data: dict[str, object]) -> dict[str, object]:
    if report.baseline is None:
        return data
    marks = dict(report.baseline.known)
    for item, finding in zip(data["findings"], decision.visible(report), strict=True):  # type: ignore[call-overload]
        item["baseline"] = _baseline_dict(marks.get(finding.fingerprint))
    data["baseline"] = {
        "new": len(report.findings) - len(marks),
        "known": len(marks),
        "known_failing": sum(1 for m in marks.values() if m.failing),
        "gone": report.baseline.gone,
    }
    return data


def _stats(report: Report) -> dict[str, object]:
    stats = report.stats
    data: dict[str, object] = {
        "files_scanned": stats.files,
        "bytes_scanned": stats.bytes,
        "skipped_binary": stats.skipped_binary,
        "skipped_too_large": stats.skipped_large,
        "skipped_unreadable": stats.skipped_unreadable,
        "skipped_allowlisted": stats.skipped_allowlisted,
        "regex_timeouts": stats.timeouts,
        "cached_blobs": stats.cached,
        "findings": len(report.findings),
    }
    if report.history_gaps is not None:  # a history audit says whether it read the whole history
        data["history_complete"] = not report.history_gaps
        data["history_gaps"] = list(report.history_gaps)
    return data


def report_dict(report: Report) -> dict[str, object]:
    rules = {rule.id: rule for rule in report.rules}
    commits = {info.sha: info for info in report.commits}
    visible = decision.visible(report)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "spillguard", "version": __version__},
        "fingerprint_algorithm": FINGERPRINT_ALGORITHM,
        "findings": [
            finding_dict(f, rules[f.rule_id], commits.get(f.location.commit or "")) for f in visible
        ],
        "groups": [group_dict(g, commits.get(g.first.commit or "")) for g in report.groups],
        "notices": [{"path": n.path, "message": n.message} for n in report.notices],
        "stats": _stats(report),
    }


def render(report: Report, options: RenderOptions) -> str:
    data = _with_baseline(report, report_dict(report))
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
