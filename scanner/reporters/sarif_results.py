"""SARIF result objects: one per reported finding, as plain dicts, placed where GitHub code scanning can
show them.

- A finding in a file present at HEAD (every finding of a directory scan) is a physical location in
  that file, relative to `%SRCROOT%`, its URI percent-encoding the file name's bytes exactly (a name
  that is not UTF-8 reaches the report with each undecodable byte written `\\xNN`, scanner.sources.paths,
  and is turned back into that byte here).
- A finding that no file at HEAD holds (a commit message, a git note, a file deleted since or a secret
  removed from its file since, `gone`) keeps the
  physical location GitHub requires, under the `GITCOMMITS` base: `COMMIT/message`, `COMMIT/note-on-ID`,
  `COMMIT/PATH`; a logical location names the same place as `git show` takes it (`COMMIT`, `COMMIT:PATH`),
  and the message says where it is and how to see it.
- Notebooks: the region is the place in the .ipynb file (line and column of the JSON text); the message
  names the cell and its line.

Result properties live in one bag built by `properties`, so a new per-finding field is one line there.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from scanner.decision import suppressed
from scanner.fingerprint import FINGERPRINT_ALGORITHM
from scanner.model import MESSAGE_PATH, CommitInfo, Finding, KnownMark, Rule, Severity
from scanner.remediation import exposure_note

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
SRCROOT = "%SRCROOT%"
GITCOMMITS = "GITCOMMITS"

_ESCAPED_BYTE = re.compile(rb"\\x([89a-f][0-9a-f])")


def artifact_uri(path: str) -> str:
    """The path as a relative URI reference: every byte of the file name outside the unreserved set
    percent-encoded. A name shown with `\\xNN` escapes (bytes that are not UTF-8) is written with those
    bytes; a name whose escapes would decode as UTF-8 could not have come from such bytes, so its
    backslashes are its own."""
    raw = path.encode("utf-8")
    if b"\\x" in raw:
        restored = _ESCAPED_BYTE.sub(lambda found: bytes([int(found.group(1), 16)]), raw)
        try:
            restored.decode("utf-8")
        except UnicodeDecodeError:
            raw = restored
    return quote(raw, safe="/")


def _region(finding: Finding) -> dict[str, object]:
    loc = finding.location
    return {
        "startLine": loc.line,
        "startColumn": loc.column,
        "endLine": loc.end_line,
        "endColumn": loc.end_column,
        "snippet": {"text": finding.preview},
    }


def _history_place(finding: Finding) -> tuple[str, str, str, str]:
    """For a finding no file at HEAD holds: its URI under GITCOMMITS, its logical location as `git
    show` takes it, the logical location's kind, and the sentence placing it."""
    loc = finding.location
    commit = loc.commit or "unknown-commit"
    short = commit[:12]
    if loc.in_file:  # a file deleted or renamed since the commit that holds it, or the secret removed
        show = f"`git show {short}:{loc.path}`"
        sentence = f"in {loc.path} at commit {short}, no longer at HEAD ({show})"
        return f"{commit}/{artifact_uri(loc.path)}", f"{commit}:{loc.path}", "git-blob", sentence
    if loc.path == MESSAGE_PATH:
        sentence = f"in the message of commit {short} (`git show {short}`)"
        return f"{commit}/message", commit, "git-commit-message", sentence
    target = loc.path.removeprefix("(git note on ").removeprefix("(git notes) ").rstrip(")")
    sentence = f"in a git note on {target} (`git notes show {target}`)"
    return f"{commit}/note-on-{artifact_uri(target)}", commit, "git-note", sentence


def location(finding: Finding, gone: bool) -> tuple[dict[str, object], str]:
    """The result's location and the sentence its message gives of the place ("" for a plain file)."""
    loc = finding.location
    if loc.in_file and not gone:
        artifact = {"uri": artifact_uri(loc.path), "uriBaseId": SRCROOT}
        place = f"in cell {loc.cell}, line {loc.cell_line} of the notebook" if loc.cell is not None else ""
        return {"physicalLocation": {"artifactLocation": artifact, "region": _region(finding)}}, place
    uri, name, kind, place = _history_place(finding)
    physical = {"artifactLocation": {"uri": uri, "uriBaseId": GITCOMMITS}, "region": _region(finding)}
    return {
        "physicalLocation": physical,
        "logicalLocations": [{"fullyQualifiedName": name, "kind": kind}],
    }, place


def properties(finding: Finding, rule: Rule, commit: CommitInfo | None) -> dict[str, object]:
    """The result's property bag: where it came from (commit, author, date, notebook cell), why its
    severity is not its rule's (an exposure, or a context-scored finding reported below it), and how
    sure a context-scored finding is and why."""
    loc = finding.location
    bag: dict[str, object] = {}
    if loc.commit:
        bag["commit"] = loc.commit
    if commit is not None:
        bag["author"] = commit.author
        bag["date"] = commit.date
    if loc.cell is not None:
        bag["cell"] = loc.cell
        bag["cellLine"] = loc.cell_line
    if finding.decoded is not None:
        bag["decoded"] = finding.decoded
    if finding.exposure and exposure_note(finding) is not None:
        bag["exposure"] = finding.exposure
        bag["security-severity"] = SECURITY_SEVERITY[finding.severity_for(rule)]
    if finding.confidence is not None:  # context-scored: how sure, and why
        bag["confidence"] = finding.confidence_for(rule).value
        bag["confidenceReasons"] = list(finding.reasons)
        if finding.severity is not None:
            bag["security-severity"] = SECURITY_SEVERITY[finding.severity_for(rule)]
    return bag


def result(
    finding: Finding,
    rule: Rule,
    index: int,
    occurrence: int,
    mark: KnownMark | None,
    baseline: bool,
    gone: bool,
    commit: CommitInfo | None,
) -> dict[str, object]:
    """One result. `occurrence` counts earlier results with the same fingerprint (the same secret twice
    in a file), so that code scanning's `primaryLocationLineHash` tells them apart; `baseline` says
    whether a baseline was applied (then `baselineState` is set)."""
    where, place = location(finding, gone)
    message = f"{rule.name} ({finding.preview}) found{' ' + place if place else ''}."
    if finding.decoded is not None:
        message += f" It is {finding.decoded}-encoded where it sits."
    message += f" {rule.remediation.summary}"
    note = exposure_note(finding)
    if note is not None and finding.exposure:
        message += f" {note}"
    data: dict[str, object] = {
        "ruleId": rule.id,
        "ruleIndex": index,
        "level": LEVELS[finding.severity_for(rule)],
        "message": {"text": message},
        "locations": [where],
        "partialFingerprints": {
            FINGERPRINT_ALGORITHM: finding.fingerprint,
            "primaryLocationLineHash": f"{finding.fingerprint[:16]}:{occurrence + 1}",
        },
    }
    if finding.confidence is not None:  # SARIF's rank: how sure the tool is of the result, 0 to 100
        data["rank"] = round(finding.confidence * 100, 1)
    bag = properties(finding, rule, commit)
    if bag:
        data["properties"] = bag
    if baseline:
        data["baselineState"] = "new" if mark is None else "unchanged"
    if mark is not None and suppressed(mark):
        reason = mark.reason or mark.status.value.replace("_", " ")
        data["suppressions"] = [{"kind": "external", "status": "accepted", "justification": reason}]
    return data
