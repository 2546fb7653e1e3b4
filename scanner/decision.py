"""`--min-severity`: drop findings below a severity from a report, before it is written and judged."""

from __future__ import annotations

from dataclasses import replace

from scanner.model import Report, Severity


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
