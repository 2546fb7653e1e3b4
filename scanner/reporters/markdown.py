"""Markdown report, for a CI job summary (GitHub's $GITHUB_STEP_SUMMARY) or a pull request comment: a
table of what the report lists, most severe first, each row with its redacted value and where to rotate
it, then the scan's summary line and what it could not read.

Everything taken from the scanned repository (paths, previews, commit authors) or from user rule files
(names, URLs) is escaped: control characters as in the text report, then every character Markdown or
HTML gives a meaning to as an HTML entity, so a file name can neither break the table nor add a link, an
image or markup. A rotation link is written only for an http(s) URL.
"""

from __future__ import annotations

from scanner import decision
from scanner.model import Finding, KnownMark, Report, Rule
from scanner.reporters import RenderOptions
from scanner.reporters.sarif import ordered
from scanner.reporters.text import printable, summary

MAX_ROWS = 200
# what can start markup, a link, an autolink (http://), HTML or an entity, or end a table cell
_SPECIAL = set('\\`*_{}[]<>#!|&~":')


def escape(text: str) -> str:
    """Inert text for a Markdown table cell."""
    return "".join(f"&#{ord(ch)};" if ch in _SPECIAL else ch for ch in printable(text))


def _where(finding: Finding, gone: frozenset[str]) -> str:
    loc = finding.location
    commit = f" (commit {escape(loc.commit[:12])})" if loc.commit else ""
    if not loc.in_file:
        return f"{escape(loc.path)}{commit}"
    where = f"{escape(loc.path)}&#58;{loc.line}"
    if loc.cell is not None:
        where += f" (cell {loc.cell}, line {loc.cell_line})"
    if finding.fingerprint in gone:
        return f"{where}{commit}, no longer at HEAD"
    return where + commit


def _rotate(rule: Rule) -> str:
    url = rule.remediation.revoke_url
    if url and url.startswith(("https://", "http://")) and not any(ch in url for ch in " <>()[]\"'`"):
        return f"[revoke or rotate]({url})"
    return f"`spillguard rules explain {rule.id}`"  # rule ids are [a-z0-9._-] (scanner.ruleset.schema)


def _status(mark: KnownMark | None, fails: bool) -> str:
    if mark is None:
        return "**new, fails**" if fails else "new"
    return "**known, fails**" if fails else f"known ({mark.status.value.replace('_', ' ')})"


def render(report: Report, options: RenderOptions) -> str:
    rules = {rule.id: rule for rule in report.rules}
    marks = dict(report.baseline.known) if report.baseline is not None else {}
    listed = ordered(decision.visible(report), rules)
    failing = set(map(id, decision.failing_findings(report, options.fail_on)))
    count = len(failing)
    if count:
        title = (
            f"spillguard: {count} secret{'s' if count != 1 else ''} fail{'s' if count == 1 else ''} this run"
        )
    elif listed:
        title = f"spillguard: {len(listed)} finding{'s' if len(listed) != 1 else ''}, none failing this run"
    else:
        title = "spillguard: no secrets found"
    out = [f"### {title}", "", escape(summary(report)), ""]
    if listed:
        out += [
            "| status | severity | credential | where | value | rotate |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for finding in listed[:MAX_ROWS]:
            rule = rules[finding.rule_id]
            mark = marks.get(finding.fingerprint)
            out.append(
                f"| {_status(mark, id(finding) in failing)} | {finding.severity_for(rule).value} "
                f"| {escape(rule.name)} ({escape(rule.id)}) | {_where(finding, options.gone)} "
                f"| {escape(finding.preview)} | {_rotate(rule)} |"
            )
        if len(listed) > MAX_ROWS:
            out += ["", f"{len(listed) - MAX_ROWS:,} more findings are in the SARIF and JSON reports."]
        out += [
            "",
            "Values are redacted. Rotate a real secret first: removing it from the code does not un-leak "
            "it. A false positive: a `spillguard:allow` comment on its line, or an allowlist entry in "
            ".spillguard.yml.",
        ]
    for gap in report.history_gaps or ():
        out += ["", f"**History is incomplete:** {escape(gap)}"]
    unread = [n for n in report.notices if not n.message.startswith("binary")]
    if unread:
        out += ["", f"**Not fully read ({len(unread)}):**", ""]
        out += [f"- {escape(n.path)}: {escape(n.message)}" for n in unread[:20]]
        if len(unread) > 20:
            out.append(f"- … and {len(unread) - 20} more (`spillguard scan -v` names them)")
    return "\n".join(out) + "\n"
