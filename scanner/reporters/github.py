"""GitHub Actions workflow commands: one `::error` annotation per finding that fails the run and one
`::warning` per other finding listed, most severe first, each on the file and lines it is in (a finding
no file at HEAD holds, in a commit message or only in history, is annotated without a file).

Values are escaped as GitHub's workflow-command rules require: in the message `%`, CR and LF; in a
property (file, title) also `:` and `,`; so text from the scanned repository can neither end a command
early nor start another. GitHub shows at most 10 errors and 10 warnings per step (50 per job): at most
MAX_ANNOTATIONS are written, and a notice says how many more the job summary and SARIF hold.
"""

from __future__ import annotations

from scanner import decision
from scanner.model import Finding, Report
from scanner.reporters import RenderOptions
from scanner.reporters.sarif import ordered
from scanner.reporters.text import printable

MAX_ANNOTATIONS = 50


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _properties(finding: Finding, title: str, gone: frozenset[str]) -> str:
    loc = finding.location
    props = []
    if loc.in_file and finding.fingerprint not in gone:
        props += [f"file={escape_property(loc.path)}", f"line={loc.line}", f"endLine={loc.end_line}"]
        if loc.line == loc.end_line and loc.cell is None:  # a column is only meaningful on one line
            props += [f"col={loc.column}", f"endColumn={loc.end_column}"]
    props.append(f"title={escape_property(title)}")
    return ",".join(props)


def render(report: Report, options: RenderOptions) -> str:
    rules = {rule.id: rule for rule in report.rules}
    listed = ordered(decision.visible(report), rules)
    failing = set(map(id, decision.failing_findings(report, options.fail_on)))
    lines = []
    for finding in listed[:MAX_ANNOTATIONS]:
        rule = rules[finding.rule_id]
        loc = finding.location
        command = "error" if id(finding) in failing else "warning"
        title = f"spillguard: {rule.name} ({finding.severity_for(rule).value})"
        where = ""
        if not loc.in_file or finding.fingerprint in options.gone:
            where = f" in {printable(loc.path)} at commit {(loc.commit or '')[:12]}"
            where += ", no longer at HEAD" if loc.in_file else ""
        message = (
            f"{rule.name} [{rule.id}] {printable(finding.preview)}{where}. {rule.remediation.summary}"
            f" See: spillguard rules explain {rule.id}"
        )
        lines.append(f"::{command} {_properties(finding, title, options.gone)}::{escape_data(message)}")
    if len(listed) > MAX_ANNOTATIONS:
        more = len(listed) - MAX_ANNOTATIONS
        lines.append(
            f"::notice title=spillguard::{more} more findings are in the job summary and the SARIF report"
        )
    return "\n".join(lines) + ("\n" if lines else "")
