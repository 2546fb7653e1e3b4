"""SARIF 2.1.0 for GitHub code scanning, built with sarif-om. Redacted snippets only; partial
fingerprints are content-stable (rule id, path, secret hash; never line or commit)."""

from __future__ import annotations

import json
from urllib.parse import quote

import sarif_om as sarif
from jschema_to_python.to_json import to_json

from scanner import __version__
from scanner.decision import suppressed
from scanner.fingerprint import FINGERPRINT_ALGORITHM
from scanner.model import Finding, KnownMark, Report, Rule, Severity
from scanner.remediation import as_markdown, as_text, exposure_note
from scanner.reporters import RenderOptions

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
# GitHub maps security-severity to critical (>= 9.0), high (7.0-8.9), medium (4.0-6.9), low (< 4.0).
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}


def _descriptor(rule: Rule) -> sarif.ReportingDescriptor:
    properties = sarif.PropertyBag(tags=list(dict.fromkeys(["security", "secret", *rule.tags])))
    setattr(properties, "security-severity", SECURITY_SEVERITY[rule.severity])
    properties.precision = {"high": "high", "medium": "medium", "low": "low"}[rule.confidence.value]
    return sarif.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=sarif.MultiformatMessageString(text=rule.name),
        full_description=sarif.MultiformatMessageString(text=rule.description),
        help=sarif.MultiformatMessageString(text=as_text(rule), markdown=as_markdown(rule)),
        help_uri=rule.remediation.revoke_url or (rule.references[0] if rule.references else None),
        default_configuration=sarif.ReportingConfiguration(level=LEVELS[rule.severity]),
        properties=properties,
    )


def _suppressions(mark: KnownMark | None) -> list[sarif.Suppression] | None:
    """Baseline entries reviewed as false positives or accepted risks (not past expiry)."""
    if mark is None or not suppressed(mark):
        return None
    suppression = sarif.Suppression(
        kind="external", justification=mark.reason or mark.status.value.replace("_", " ")
    )
    suppression.status = "accepted"  # SARIF 2.1.0 name; sarif-om predates it
    return [suppression]


def _result(
    finding: Finding, rule: Rule, index: int, marks: dict[str, KnownMark] | None = None
) -> sarif.Result:
    loc = finding.location
    region = sarif.Region(
        start_line=loc.line,
        start_column=loc.column,
        end_line=loc.end_line,
        end_column=loc.end_column,
        snippet=sarif.ArtifactContent(text=finding.preview),
    )
    physical = sarif.PhysicalLocation(
        artifact_location=sarif.ArtifactLocation(uri=quote(loc.path, safe="/"), uri_base_id="%SRCROOT%"),
        region=region,
    )
    cell = f" in notebook cell {loc.cell}, line {loc.cell_line}" if loc.cell is not None else ""
    if finding.decoded is not None:
        cell += f" inside {finding.decoded}-encoded text"
    message = f"{rule.name} ({finding.preview}) found{cell}. {rule.remediation.summary}"
    extra: dict[str, str | list[str]] = {"commit": loc.commit} if loc.commit else {}
    note = exposure_note(finding)
    if note is not None and finding.exposure:  # raised above the rule's default level: say why
        message += f" {note}"
        extra["exposure"] = finding.exposure
        extra["security-severity"] = SECURITY_SEVERITY[finding.severity_for(rule)]
    rank = -1.0  # SARIF's "not given", left out of the log
    if finding.confidence is not None:  # context-scored: SARIF's rank is "how sure", 0 to 100
        rank = round(finding.confidence * 100, 1)
        extra["confidence"] = finding.confidence_for(rule).value
        extra["confidenceReasons"] = list(finding.reasons)
        if finding.severity is not None:
            extra["security-severity"] = SECURITY_SEVERITY[finding.severity_for(rule)]
    properties = None
    if extra:
        properties = sarif.PropertyBag()
        for key, value in extra.items():
            setattr(properties, key, value)
    mark = marks.get(finding.fingerprint) if marks is not None else None
    return sarif.Result(
        baseline_state=None if marks is None else "new" if mark is None else "unchanged",
        suppressions=_suppressions(mark),
        rule_id=rule.id,
        rule_index=index,
        level=LEVELS[finding.severity_for(rule)],
        message=sarif.Message(text=message),
        locations=[sarif.Location(physical_location=physical)],
        partial_fingerprints={f"{FINGERPRINT_ALGORITHM}": finding.fingerprint},
        properties=properties,
        rank=rank,
    )


def _invocations(report: Report) -> list[sarif.Invocation] | None:
    """A history audit that could not read all of the history says so: the run completed, with one
    warning notification per gap (what is missing, and how to fetch it)."""
    if not report.history_gaps:
        return None
    notifications = [
        sarif.Notification(
            message=sarif.Message(text=f"History is incomplete: {gap}"),
            level="warning",
            descriptor=sarif.ReportingDescriptorReference(id="spillguard/history-incomplete"),
        )
        for gap in report.history_gaps
    ]
    return [sarif.Invocation(execution_successful=True, tool_execution_notifications=notifications)]


def render(report: Report, options: RenderOptions) -> str:
    fired = sorted({f.rule_id for f in report.findings})
    marks = dict(report.baseline.known) if report.baseline is not None else None
    rules = {rule.id: rule for rule in report.rules}
    index = {rule_id: i for i, rule_id in enumerate(fired)}
    driver = sarif.ToolComponent(
        name="spillguard",
        version=__version__,
        semantic_version=__version__,
        rules=[_descriptor(rules[rule_id]) for rule_id in fired],
    )
    run = sarif.Run(
        tool=sarif.Tool(driver=driver),
        results=[_result(f, rules[f.rule_id], index[f.rule_id], marks) for f in report.findings],
        column_kind="unicodeCodePoints",
        invocations=_invocations(report),
    )
    log = sarif.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])
    # Re-serialise with sorted keys so the output is byte-for-byte deterministic.
    return json.dumps(json.loads(to_json(log)), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
