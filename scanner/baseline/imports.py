"""Baselines from other scanners' files. Each import scans the project itself and keeps the findings
that the foreign file names, so the result holds our own identities (never the foreign hashes) and
reports how many foreign entries matched nothing.

- detect-secrets `.secrets.baseline`: results per file carry the SHA-1 of the secret and, once audited,
  `is_secret`; matched on path and SHA-1 of the secret we find there (computed in memory only).
- gitleaks JSON report (a list with File, StartLine, RuleID...) and betterleaks JSON report
  (`findings` with a location): matched on path and line.
- `.gitleaksignore`: one gitleaks fingerprint per line, `[commit:]file:rule:line`: matched on path and
  line; those findings were deliberately ignored, so they come in as false positives to be reviewed.

Each foreign entry that names none of our findings comes back with why (`Unmatched`): the file was not
scanned, is gone, holds nothing spillguard flags, or holds findings at other lines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner import jsonio
from scanner.baseline.format import MAX_BASELINE_BYTES
from scanner.bounded import NotRegularFile, read_bounded
from scanner.errors import BaselineError
from scanner.model import Finding, ReviewStatus

FORMATS = ("detect-secrets", "gitleaks", "betterleaks", "gitleaksignore")


@dataclass(frozen=True)
class ForeignEntry:
    path: str
    line: int | None
    sha1: str | None = None  # of the secret (detect-secrets)
    status: ReviewStatus = ReviewStatus.UNREVIEWED
    reason: str | None = None


@dataclass(frozen=True)
class Imported:
    finding: Finding
    status: ReviewStatus
    reason: str | None


def _read_text(path: Path) -> str:
    """The file's text, read with a bound and never from a FIFO or a device (which would block)."""
    try:
        data = read_bounded(path, MAX_BASELINE_BYTES + 1)
    except NotRegularFile as exc:
        raise BaselineError(f"{path}: {exc}") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_BASELINE_BYTES:
        raise BaselineError(f"{path}: larger than {MAX_BASELINE_BYTES // 1024**2} MiB")
    try:
        return data.decode("utf-8-sig")  # a byte-order mark (Windows editors) is no error
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: not UTF-8 text") from None


def _read_json(path: Path) -> Any:
    text = _read_text(path)
    try:
        return jsonio.loads(text)
    except jsonio.TooDeep as exc:
        raise BaselineError(f"{path}: not a report: {exc}") from None
    except ValueError:
        raise BaselineError(f"{path}: not valid JSON") from None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_detect_secrets(path: Path) -> list[ForeignEntry]:
    data = _read_json(path)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise BaselineError(f"{path}: not a detect-secrets baseline (no `results` object)")
    entries = []
    for filename, items in results.items():
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("hashed_secret"), str):
                raise BaselineError(f"{path}: an entry of {filename} has no hashed_secret")
            label = item.get("is_secret")
            status = (
                ReviewStatus.REAL
                if label is True
                else ReviewStatus.FALSE_POSITIVE
                if label is False
                else ReviewStatus.UNREVIEWED
            )
            entries.append(
                ForeignEntry(
                    str(item.get("filename", filename)),
                    _int(item.get("line_number")),
                    item["hashed_secret"],
                    status,
                    "imported from detect-secrets" if label is not None else None,
                )
            )
    return entries


def read_gitleaks(path: Path) -> list[ForeignEntry]:
    data = _read_json(path)
    if not isinstance(data, list):
        raise BaselineError(f"{path}: not a gitleaks JSON report (expected a list of findings)")
    entries = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("File"), str):
            raise BaselineError(f"{path}: a finding has no File")
        entries.append(ForeignEntry(item["File"], _int(item.get("StartLine"))))
    return entries


def read_betterleaks(path: Path) -> list[ForeignEntry]:
    data = _read_json(path)
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list):
        raise BaselineError(f"{path}: not a betterleaks JSON report (no `findings` list)")
    entries = []
    for item in findings:
        location = item.get("location") if isinstance(item, dict) else None
        if not isinstance(location, dict):
            raise BaselineError(f"{path}: a finding has no location")
        file = location.get("path") or location.get("file")
        if not isinstance(file, str):
            raise BaselineError(f"{path}: a finding's location has no path")
        line = _int(location.get("line")) or _int(location.get("start_line"))
        entries.append(ForeignEntry(file, line))
    return entries


def read_gitleaksignore(path: Path) -> list[ForeignEntry]:
    lines = _read_text(path).splitlines()
    entries = []
    for number, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split(":")
        if len(parts) < 3 or not parts[-1].isdigit():
            raise BaselineError(f"{path}: line {number} is not a fingerprint like file:rule:line")
        file = ":".join(parts[1:-2]) if len(parts) >= 4 and len(parts[0]) == 40 else ":".join(parts[:-2])
        entries.append(
            ForeignEntry(
                file, int(parts[-1]), status=ReviewStatus.FALSE_POSITIVE, reason="ignored in .gitleaksignore"
            )
        )
    return entries


READERS = {
    "detect-secrets": read_detect_secrets,
    "gitleaks": read_gitleaks,
    "betterleaks": read_betterleaks,
    "gitleaksignore": read_gitleaksignore,
}


def _norm(path: str) -> str:
    return path[2:] if path.startswith("./") else path


_STRENGTH = {
    ReviewStatus.REAL: 3,
    ReviewStatus.ACCEPTED_RISK: 2,
    ReviewStatus.FALSE_POSITIVE: 1,
    ReviewStatus.UNREVIEWED: 0,
}


@dataclass(frozen=True)
class Unmatched:
    entry: ForeignEntry
    reason: str


def _why(
    entry: ForeignEntry, lines: dict[str, list[int]], skipped: dict[str, str], present: Callable[[str], bool]
) -> str:
    """Why a foreign entry names none of our findings, in words a user can act on."""
    path = _norm(entry.path)
    where = f"{path}:{entry.line}" if entry.line is not None else path
    if path in skipped:
        return f"{path}: not scanned ({skipped[path]})"
    if path not in lines:
        if not present(path):
            return f"{path}: no such file in the scanned source (deleted, renamed, ignored, or outside it)"
        return f"{where}: spillguard finds no secret in this file (no rule for it, or its filters reject it)"
    found = ", ".join(str(n) for n in sorted(set(lines[path]))[:5])
    if entry.sha1 is not None:
        return (
            f"{where}: the SHA-1 matches no secret spillguard found in this file (lines {found}), nor does "
            "the line: the plugin may hash part of the value, or the file changed since"
        )
    if entry.line is None:
        return f"{path}: the entry has no line to match (spillguard found secrets at lines {found})"
    return f"{where}: no finding on this line (spillguard found secrets at lines {found}; the file changed?)"


def match(
    foreign: list[ForeignEntry],
    findings: Iterable[Finding],
    skipped: dict[str, str] | None = None,
    present: Callable[[str], bool] = lambda path: True,
) -> tuple[list[Imported], list[Unmatched]]:
    """Our findings that a foreign entry names (with its review), and the foreign entries that name
    none, each with why (`skipped`: paths the scan did not read, with the notice; `present`: whether a
    path exists). detect-secrets entries match on path and the SHA-1 of the secret (findings must carry
    it: a scan with reveal; it is hashed here and not kept); an entry whose SHA-1 matches nothing, as
    with detect-secrets plugins that hash only part of a token, falls back to its path and line, like the
    other formats. Where several entries name one finding, the strongest review wins (real first)."""
    findings = list(findings)
    by_sha: dict[tuple[str, str], list[ForeignEntry]] = {}
    for entry in foreign:
        if entry.sha1 is not None:
            by_sha.setdefault((_norm(entry.path), entry.sha1), []).append(entry)
    candidates: dict[int, list[ForeignEntry]] = {}
    used: set[int] = set()
    for position, finding in enumerate(findings):
        if finding.secret is None:
            continue
        digest = hashlib.sha1(finding.secret.encode("utf-8", "surrogatepass")).hexdigest()  # noqa: S324
        for entry in by_sha.get((finding.location.path, digest), []):
            candidates.setdefault(position, []).append(entry)
            used.add(id(entry))
    by_line: dict[tuple[str, int], list[ForeignEntry]] = {}
    for entry in foreign:
        if id(entry) not in used and entry.line is not None:
            by_line.setdefault((_norm(entry.path), entry.line), []).append(entry)
    lines: dict[str, list[int]] = {}
    for position, finding in enumerate(findings):
        lines.setdefault(finding.location.path, []).append(finding.location.line)
        for line in range(finding.location.line, finding.location.end_line + 1):
            for entry in by_line.get((finding.location.path, line), []):
                candidates.setdefault(position, []).append(entry)
                used.add(id(entry))
    imported = []
    for position, entries in sorted(candidates.items()):
        best = max(entries, key=lambda e: _STRENGTH[e.status])
        imported.append(Imported(findings[position], best.status, best.reason))
    unmatched = [Unmatched(e, _why(e, lines, skipped or {}, present)) for e in foreign if id(e) not in used]
    return imported, unmatched
