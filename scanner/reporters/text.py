"""Human report: findings grouped by file, one line each plus one line of remediation, then a summary.
Control characters in paths or previews are escaped so nothing raw reaches the terminal."""

from __future__ import annotations

import click

from scanner import decision
from scanner.model import CommitInfo, Finding, KnownMark, Report, ReviewStatus, Rule, SecretGroup, Severity
from scanner.remediation import exposure_note, one_line, playbook
from scanner.reporters import RenderOptions

_COLORS = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


def printable(text: str) -> str:
    """Escapes C0/C1 control characters (ANSI escapes included) as \\xNN."""
    return "".join(
        ch
        if ch.isprintable() or ch == " "
        else f"\\x{ord(ch):02x}"
        if ord(ch) < 0x100
        else f"\\u{ord(ch):04x}"
        for ch in text
    )


def _style(text: str, options: RenderOptions, **kwargs: object) -> str:
    return click.style(text, **kwargs) if options.color else text  # type: ignore[arg-type]


def _known_label(mark: KnownMark | None) -> str:
    if mark is None:
        return ""
    if mark.failing:
        why = "past its expiry" if mark.status is not ReviewStatus.REAL else "real secret, rotate it"
        return f"  [known, still failing: {why}]"
    return f"  [known: {mark.status.value.replace('_', ' ')}]"


def _finding_lines(
    finding: Finding,
    rule: Rule,
    options: RenderOptions,
    commits: dict[str, CommitInfo],
    mark: KnownMark | None = None,
) -> list[str]:
    loc = finding.location
    where = f"{printable(loc.path)}:{loc.line}:{loc.column}"
    if loc.cell is not None:
        where += f" (cell {loc.cell}, line {loc.cell_line}, column {loc.cell_column})"
    if finding.decoded is not None:
        where += f" ({finding.decoded}-decoded)"
    level = finding.severity_for(rule)
    severity = _style(level.value.upper(), options, fg=_COLORS[level], bold=True)
    value = printable(finding.secret) if finding.secret is not None else printable(finding.preview)
    lines = [f"  {where}  {severity}  {rule.name} [{rule.id}]  {value}{_known_label(mark)}"]
    if loc.commit:
        info = commits.get(loc.commit)
        by = f" by {printable(info.author)} on {info.date}" if info else ""
        lines.append(f"      commit {loc.commit[:12]}{by}")
    note = exposure_note(finding)
    if note is not None:
        lines.append(f"      {finding.exposure}: {note}")
    if finding.confidence is not None:
        why = "; ".join(finding.reasons)
        lines.append(f"      confidence {finding.confidence:.2f}" + (f": {why}" if why else ""))
    lines.append(f"      fix: {one_line(rule)}")
    return lines


def summary(report: Report) -> str:
    stats = report.stats
    skipped = []
    for count, label in (
        (stats.skipped_binary, "binary"),
        (stats.skipped_large, "too large"),
        (stats.skipped_unreadable, "unreadable"),
        (stats.skipped_allowlisted, "allowlisted"),
    ):
        if count:
            skipped.append(f"{count} {label}")
    skipped_text = f"; skipped {', '.join(skipped)}" if skipped else ""
    megabytes = stats.bytes / 1_000_000
    count = len(report.findings)
    baseline = ""
    if report.baseline is not None:
        known = len(report.baseline.known)
        still = sum(1 for _, mark in report.baseline.known if mark.failing)
        baseline = f" ({count - known} new, {known} known of which {still} still failing"
        baseline += (
            f", {report.baseline.gone} baseline entries no longer found)" if report.baseline.gone else ")"
        )
    gaps = report.history_gaps
    incomplete = f"; HISTORY INCOMPLETE: {'; '.join(printable(gap) for gap in gaps)}" if gaps else ""
    return (
        f"{count} finding{'s' if count != 1 else ''}{baseline} in {stats.files} file"
        f"{'s' if stats.files != 1 else ''} ({megabytes:.1f} MB, {report.seconds:.2f} s)"
        f"{skipped_text}" + (f"; {stats.timeouts} regex timeout(s)" if stats.timeouts else "") + incomplete
    )


def _group_lines(group: SecretGroup, rule: Rule, commits: dict[str, CommitInfo]) -> list[str]:
    first = group.first
    info = commits.get(first.commit or "")
    who = f" by {printable(info.author)} on {info.date}" if info else ""
    status = (
        "still present at HEAD: rotate it, then remove it"
        if group.present_at_head
        else "removed from HEAD but still reachable in history: rotate, then purge"
    )
    paths = ", ".join(printable(p) for p in group.paths)
    return [
        f"  {rule.name} [{rule.id}]  {printable(group.preview)}",
        f"      first introduced in {(first.commit or '')[:12]}{who} at {printable(first.path)}:{first.line}",
        f"      {group.commits} commit{'s' if group.commits != 1 else ''}; paths: {paths}",
        f"      {status}",
    ]


def _playbook(findings: tuple[Finding, ...], rules: dict[str, Rule]) -> list[str]:
    places: dict[str, list[str]] = {}
    worst: dict[str, Severity] = {}
    for finding in findings:
        loc = finding.location
        commit = f" (commit {loc.commit[:12]})" if loc.commit else ""
        marker = f" [{finding.exposure}]" if finding.exposure else ""
        places.setdefault(finding.rule_id, []).append(f"{printable(loc.path)}:{loc.line}{commit}{marker}")
        level = finding.severity_for(rules[finding.rule_id])
        if finding.rule_id not in worst or level.rank > worst[finding.rule_id].rank:
            worst[finding.rule_id] = level
    ordered = sorted(places, key=lambda rule_id: (-worst[rule_id].rank, rule_id))
    return playbook([(rules[rule_id], places[rule_id], worst[rule_id]) for rule_id in ordered])


def render(report: Report, options: RenderOptions) -> str:
    rules = {rule.id: rule for rule in report.rules}
    commits = {info.sha: info for info in report.commits}
    out: list[str] = []
    current = None
    marks = dict(report.baseline.known) if report.baseline is not None else {}
    visible = decision.visible(report)
    for finding in visible:
        if finding.location.path != current:
            current = finding.location.path
            out.append(_style(printable(current), options, bold=True))
        out.extend(
            _finding_lines(finding, rules[finding.rule_id], options, commits, marks.get(finding.fingerprint))
        )
    if report.groups:
        out.append("")
        out.append(_style(f"Secrets across history ({len(report.groups)}):", options, bold=True))
        for group in report.groups:
            out.extend(_group_lines(group, rules[group.rule_id], commits))
    if options.playbook and visible:
        out.append("")
        out.extend(_playbook(visible, rules))
    if options.verbose:
        out.extend(f"note: {printable(n.path)}: {printable(n.message)}" for n in report.notices)
    if visible:
        out.append("")
        out.append(
            "Allow a false positive with a `spillguard:allow` comment on its line, "
            "or `spillguard rules explain ID` for rotation steps."
        )
    out.append(summary(report))
    return "\n".join(out) + "\n"
