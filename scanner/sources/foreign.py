"""Other secret scanners' baselines, ignore files and reports: files about secrets, not sources of them.
A detect-secrets `.secrets.baseline` lists a SHA-1 per secret, which the generic rules would flag as
hex tokens; a gitleaks report quotes each finding again. Scanning them reports every known secret a
second time, at a place where nothing is to be fixed; `spillguard baseline import` reads them instead.

Known by name (`.secrets.baseline`, `.gitleaksignore`, `.betterleaksignore`) or, for JSON, by shape:
a detect-secrets baseline (`plugins_used` and `results`), a gitleaks report (a list of findings with
`RuleID` and `Fingerprint`), a betterleaks report (`findings`, each with a `location`).
"""

from __future__ import annotations

from typing import Any

from scanner import jsonio

BY_NAME = {
    ".secrets.baseline": "a detect-secrets baseline",
    ".gitleaksignore": "a gitleaks ignore file",
    ".betterleaksignore": "a betterleaks ignore file",
}
_SNIFF = 4096
MAX_REPORT_BYTES = 64 * 1024 * 1024  # larger JSON is not parsed to find out (and is scanned)


def _shape(document: Any) -> str | None:
    if isinstance(document, dict):
        if "plugins_used" in document and isinstance(document.get("results"), dict):
            return "a detect-secrets baseline"
        findings = document.get("findings")
        if (
            isinstance(findings, list)
            and findings
            and all(isinstance(f, dict) and isinstance(f.get("location"), dict) for f in findings)
        ):
            return "a betterleaks report"
    if (
        isinstance(document, list)
        and document
        and all(isinstance(f, dict) and "RuleID" in f and "Fingerprint" in f for f in document)
    ):
        return "a gitleaks report"
    return None


def foreign_file(path: str, text: str | None) -> str | None:
    """What other scanner's file this is ("a gitleaks report"), or None for an ordinary file."""
    name = path.rsplit("/", 1)[-1]
    if name in BY_NAME:
        return BY_NAME[name]
    if text is None or len(text) > MAX_REPORT_BYTES:
        return None
    head = text[:_SNIFF].lstrip("\ufeff \t\r\n")
    if not head.startswith(("{", "[")):
        return None
    if not any(key in head for key in ('"plugins_used"', '"results"', '"RuleID"', '"findings"')):
        return None
    try:
        return _shape(jsonio.loads(text.removeprefix("\ufeff")))
    except ValueError:
        return None


def notice_text(kind: str) -> str:
    text = f"{kind}: not scanned as a source of secrets (`spillguard baseline import` reads it)"
    if kind.endswith("report"):
        text += "; a report that quotes secrets in clear is itself a leak: delete it, rotate them"
    return text
