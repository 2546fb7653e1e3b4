"""SARIF 2.1.0 for GitHub code scanning, written as plain dicts (every value explicit: a `level` on
every result, `warning` included) and serialised once, with sorted keys, so the same scan gives the
same bytes. Redacted snippets only; partial fingerprints are content-stable (rule id, path, secret hash;
never line or commit).

- What is listed is what the report lists (scanner.decision.visible): new findings and known ones that
  still fail; every known one with --show-known, reviewed ones marked suppressed.
- At most MAX_RESULTS results per run (GitHub rejects a run with more), most severe first; what was left
  out is a warning notification.
- `automationDetails.id` is the run's category, `spillguard/MODE/` by default, so the uploads of
  different modes (a pull request's commits, a weekly history audit) never replace each other.
- The invocation says the scan completed and lists what it could not read (scanner.reporters.sarif_notes).
"""

from __future__ import annotations

import json
from collections import Counter

from scanner import __version__, decision
from scanner.model import Finding, Report, Rule
from scanner.remediation import as_markdown, as_text
from scanner.reporters import RenderOptions
from scanner.reporters.sarif_notes import invocation
from scanner.reporters.sarif_results import GITCOMMITS, LEVELS, SECURITY_SEVERITY, SRCROOT, result

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
DEFAULT_CATEGORY = "spillguard"


def _descriptor(rule: Rule) -> dict[str, object]:
    help_uri = rule.remediation.revoke_url or (rule.references[0] if rule.references else None)
    data: dict[str, object] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.name},
        "fullDescription": {"text": rule.description},
        "help": {"text": as_text(rule), "markdown": as_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": list(dict.fromkeys(["security", "secret", *rule.tags])),
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": rule.confidence.value,
        },
    }
    if help_uri:
        data["helpUri"] = help_uri
    return data


def ordered(findings: tuple[Finding, ...], rules: dict[str, Rule]) -> list[Finding]:
    """Most severe first, then by place: the order in which results are kept under the limit."""

    def key(finding: Finding) -> tuple[int, str, int, int, str]:
        loc = finding.location
        return (
            -finding.severity_for(rules[finding.rule_id]).rank,
            loc.path,
            loc.line,
            loc.column,
            finding.rule_id,
        )

    return sorted(findings, key=key)


def _left_out(kept: list[Finding], dropped: list[Finding], rules: dict[str, Rule]) -> str | None:
    if not dropped:
        return None
    by_severity = Counter(f.severity_for(rules[f.rule_id]).value for f in dropped)
    counts = ", ".join(f"{count:,} {severity}" for severity, count in sorted(by_severity.items()))
    return (
        f"{len(kept):,} of {len(kept) + len(dropped):,} results listed, most severe first: GitHub code "
        f"scanning accepts at most {MAX_RESULTS:,} per run. Left out: {counts}; the JSON report "
        "(--format json) lists every finding."
    )


def category_id(category: str | None) -> str:
    """A runAutomationDetails id naming a category only (GitHub reads `CATEGORY/RUN`; an id ending in
    `/` has no run part)."""
    return f"{(category or DEFAULT_CATEGORY).rstrip('/')}/"


def render(report: Report, options: RenderOptions) -> str:
    rules = {rule.id: rule for rule in report.rules}
    listed = ordered(decision.visible(report), rules)
    kept, dropped = listed[:MAX_RESULTS], listed[MAX_RESULTS:]
    fired = sorted({f.rule_id for f in kept})
    index = {rule_id: i for i, rule_id in enumerate(fired)}
    marks = dict(report.baseline.known) if report.baseline is not None else {}
    commits = {info.sha: info for info in report.commits}
    seen: Counter[str] = Counter()
    results = []
    for finding in kept:
        results.append(
            result(
                finding,
                rules[finding.rule_id],
                index[finding.rule_id],
                seen[finding.fingerprint],
                marks.get(finding.fingerprint),
                report.baseline is not None,
                finding.fingerprint in options.gone,
                commits.get(finding.location.commit or ""),
            )
        )
        seen[finding.fingerprint] += 1
    bases: dict[str, object] = {SRCROOT: {"description": {"text": "The root of the scanned work tree."}}}
    if any(not f.location.in_file or f.fingerprint in options.gone for f in kept):
        bases[GITCOMMITS] = {
            "description": {
                "text": "The repository's commits, by id: a result here is in a commit message, a git "
                "note, or a file no longer at HEAD; `git show` shows it."
            }
        }
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "spillguard",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_descriptor(rules[rule_id]) for rule_id in fired],
            }
        },
        "automationDetails": {"id": category_id(options.category)},
        "originalUriBaseIds": bases,
        "invocations": [invocation(report, _left_out(kept, dropped, rules))],
        "columnKind": "unicodeCodePoints",
        "results": _RESULTS,
    }
    log: dict[str, object] = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return _serialise(log, results)


_RESULTS = "\0results"  # where the results go in the serialised log


def _serialise(log: dict[str, object], results: list[dict[str, object]]) -> str:
    """The log indented, but each result compact on one line of its own: readable and diffable, and
    written by the C encoder (an indented dump runs in pure Python: 4x slower on 25,000 results)."""
    head = json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False)
    encoded = ",\n".join(json.dumps(item, sort_keys=True, ensure_ascii=False) for item in results)
    body = f"[\n{encoded}\n      ]" if results else "[]"
    return head.replace(json.dumps(_RESULTS), body, 1) + "\n"
