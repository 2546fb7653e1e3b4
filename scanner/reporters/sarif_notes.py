"""The SARIF invocation: whether the scan completed, and a notification for everything that makes it
less than complete, so a report never looks whole when it is not.

Warnings, one per file or gap: a regex timeout (part of a file not checked by a rule), a file too large
or unreadable (not scanned), a history gap (scanner.sources.gaps), results left out over the per-run
limit. Notes, counted: binary files, files over the size limit that were not named, allowlisted paths.
At most MAX_NOTIFICATIONS are listed; one more says how many were not.
"""

from __future__ import annotations

from scanner.model import NOTICE_BINARY, Notice, Report
from scanner.reporters.sarif_results import SRCROOT, artifact_uri

MAX_NOTIFICATIONS = 1000


def _notification(rule: str, level: str, text: str, path: str | None = None) -> dict[str, object]:
    data: dict[str, object] = {
        "descriptor": {"id": f"spillguard/{rule}"},
        "level": level,
        "message": {"text": text},
    }
    if path is not None:
        uri = {"uri": artifact_uri(path), "uriBaseId": SRCROOT}
        data["locations"] = [{"physicalLocation": {"artifactLocation": uri}}]
    return data


def _notice(notice: Notice) -> dict[str, object]:
    message = notice.message
    if "timed out" in message:
        rule = "regex-timeout"
    elif message.startswith("larger than"):
        rule = "file-too-large"
    else:
        rule = "file-not-read"
    return _notification(rule, "warning", f"{notice.path}: {message}", notice.path)


def notifications(report: Report, left_out: str | None) -> list[dict[str, object]]:
    """Every notification of the run, most important first."""
    warnings: list[dict[str, object]] = []
    if left_out is not None:
        warnings.append(_notification("results-limit", "warning", left_out))
    warnings += [
        _notification("history-incomplete", "warning", f"History is incomplete: {gap}")
        for gap in report.history_gaps or ()
    ]
    named_large = 0
    for notice in report.notices:
        if notice.message == NOTICE_BINARY:
            continue
        named_large += notice.message.startswith("larger than")
        warnings.append(_notice(notice))
    stats = report.stats
    notes = []
    for count, rule, what in (
        (stats.skipped_binary, "binary-skipped", "binary file(s) or blob(s) not scanned"),
        (
            stats.skipped_large - named_large,
            "file-too-large",
            "file(s) or blob(s) over the size limit not scanned",
        ),
        (
            stats.skipped_allowlisted,
            "allowlisted",
            "file(s) skipped by the path allowlist or as another scanner's baseline or report",
        ),
    ):
        if count > 0:
            level = "warning" if rule == "file-too-large" else "note"
            notes.append(_notification(rule, level, f"{count:,} {what}"))
    listed = warnings + notes
    if len(listed) > MAX_NOTIFICATIONS:
        more = len(listed) - MAX_NOTIFICATIONS + 1
        listed = listed[: MAX_NOTIFICATIONS - 1]
        listed.append(
            _notification(
                "notifications-limit", "warning", f"{more:,} more notifications not listed (-v names them)"
            )
        )
    return listed


def invocation(report: Report, left_out: str | None) -> dict[str, object]:
    """The run's one invocation: it completed (a scan that did not write no SARIF at all), with its
    notifications."""
    data: dict[str, object] = {"executionSuccessful": True}
    listed = notifications(report, left_out)
    if listed:
        data["toolExecutionNotifications"] = listed
    return data
