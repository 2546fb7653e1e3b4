"""The inventory as Markdown (GitHub-flavoured), for an issue or a wiki page: the changes since the
previous inventory first, then counts, the oldest open exposures, a table of every credential, and each
one's details with its rotation steps. Every string a repository controls (paths, authors, refs,
reasons) is escaped: in code spans, a fence longer than any backtick run inside; in text, Markdown
punctuation backslash-escaped and `<`, `>`, `&` as entities; control characters as \\xNN."""

from __future__ import annotations

import re

from scanner.inventory_model import Change, Credential, Inventory, State
from scanner.model import CommitInfo
from scanner.reporters.inventory_common import (
    ACTION_LABELS,
    CHANGE_LABELS,
    REVIEW_LABELS,
    STATE_LABELS,
    failing,
    purge_steps,
    refs_text,
    summarize,
)
from scanner.reporters.text import printable

_PUNCTUATION = re.compile(r"([\\`*_\[\]|#~])")


def text(value: str) -> str:
    escaped = printable(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _PUNCTUATION.sub(r"\\\1", escaped)


def code(value: str, table: bool = False) -> str:
    shown = printable(value)
    if table:
        shown = shown.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def _commit(info: CommitInfo) -> str:
    return f"{code(info.sha[:12])} by {text(info.author)} on {info.date[:10]}"


def _window(c: Credential) -> str:
    if c.window.start is None:
        return "in the scanned tree"
    days = f"{c.window.days} days" if c.window.days is not None else "unknown length"
    end = "open" if c.window.open else c.window.end[:10] if c.window.end else "removal unknown"
    return f"{c.window.start[:10]} → {end} ({days})"


def _changes(inventory: Inventory) -> list[str]:
    changes = inventory.changes
    if changes is None:
        return []
    counts = dict(changes.counts)
    lines = [f"## Changes since {text(changes.since)}", ""]
    lines.append(", ".join(f"**{counts[change]}** {CHANGE_LABELS[change]}" for change in Change))
    listed = [c for c in inventory.credentials if c.change not in (Change.UNCHANGED, None)]
    if listed or changes.gone:
        lines += ["", "| change | credential | severity | state | paths |", "| --- | --- | --- | --- | --- |"]
        for c in listed:
            label = CHANGE_LABELS[c.change] if c.change else ""
            paths = ", ".join(code(p, True) for p in c.paths)
            lines.append(
                f"| {label} | {code(c.rule.id, True)} {code(c.preview, True)} | {c.severity.value} "
                f"| {STATE_LABELS[c.state]} | {paths} |"
            )
        for p in changes.gone:
            paths = ", ".join(code(path, True) for path in p.paths)
            lines.append(
                f"| removed: found nowhere now | {code(p.rule_id, True)} {code(p.preview, True)} "
                f"| {p.severity.value} | gone | {paths} |"
            )
    return [*lines, ""]


def _summary(inventory: Inventory) -> list[str]:
    summary = summarize(inventory)
    opened = dict(summary.open_by_severity)
    lines = ["## Summary", "", "| severity | open | history only | total |", "| --- | --- | --- | --- |"]
    for severity, total in summary.by_severity:
        lines.append(f"| {severity.value} | {opened[severity]} | {total - opened[severity]} | {total} |")
    lines += ["", "| review | credentials |", "| --- | --- |"]
    lines += [f"| {REVIEW_LABELS[status]} | {n} |" for status, n in summary.by_review]
    if summary.oldest_open:
        lines += ["", "### Oldest open exposures", ""]
        for n, c in enumerate(summary.oldest_open, 1):
            lines.append(
                f"{n}. {code(c.rule.id)} {code(c.preview)} at {code(c.first.path)}: open for "
                f"{c.window.days} days, since {c.window.start[:10] if c.window.start else '?'}"
            )
    return [*lines, ""]


def _table(inventory: Inventory) -> list[str]:
    lines = [
        "## Credentials",
        "",
        "| # | credential | severity | state | review | first introduced | exposure window | at tips of |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n, c in enumerate(inventory.credentials, 1):
        flag = " **fails**" if failing(inventory, c) else ""
        first = c.first.commit.date[:10] if c.first.commit else "-"
        tips = text(refs_text(c.held_at)) or "-"
        lines.append(
            f"| {n} | {code(c.rule.id, True)} {code(c.preview, True)} | {c.severity.value}{flag} "
            f"| {STATE_LABELS[c.state]} | {REVIEW_LABELS[c.review.status]} | {first} "
            f"| {_window(c)} | {tips} |"
        )
    return [*lines, ""]


def _details(inventory: Inventory, n: int, c: Credential) -> list[str]:
    lines = [
        f"### {n}. {text(c.rule.name)} {code(c.preview)}",
        "",
        f"- **ID** {code(c.id)}; {c.severity.value} severity, {c.rule.confidence.value} confidence; "
        f"rule {code(c.rule.id)}"
        + (f" (also {', '.join(code(r) for r in c.rules if r != c.rule.id)})" if len(c.rules) > 1 else ""),
        f"- **State** {STATE_LABELS[c.state]}; **review** {REVIEW_LABELS[c.review.status]}"
        + (f" ({text(c.review.reason)})" if c.review.reason else "")
        + (f", expires {text(c.review.expires)}" if c.review.expires else "")
        + (" **past its expiry**" if c.review.expired else ""),
    ]
    if c.secret is not None:
        lines.append(f"- **Secret** {code(c.secret)}")
    if c.first.commit is not None:
        where = code(f"{c.first.path}:{c.first.line}")
        lines.append(f"- **First introduced** in {_commit(c.first.commit)}, at {where}")
    else:
        lines.append(f"- **Found** at {code(f'{c.first.path}:{c.first.line}')}")
    if c.held_at:
        lines.append(f"- **Still at the tip of** {text(refs_text(c.held_at))}")
    lines += [f"- **Removed** by {_commit(r.commit)} from {text(refs_text(r.refs))}" for r in c.removals]
    if c.dropped:
        lines.append(f"- **Dropped by a merge** from {text(refs_text(c.dropped))}")
    if c.in_messages:
        lines.append("- **In a commit message**: it stays in history until the history is rewritten")
    lines.append(f"- **Paths** {', '.join(code(p) for p in c.paths)}")
    if c.in_history is not None:
        lines.append(f"- **Commits** {c.commits}; **introduced by** {', '.join(text(a) for a in c.authors)}")
    lines.append(f"- **Exposure window** {_window(c)}")
    lines += [f"- **Action** {ACTION_LABELS[c.action]}", "", "<details><summary>Rotation steps</summary>", ""]
    remediation = c.rule.remediation
    lines += [text(remediation.summary), ""]
    lines += [f"{step_number}. {text(step)}" for step_number, step in enumerate(remediation.rotate, 1)]
    if remediation.revoke_url:
        lines += ["", f"Revoke at: <{remediation.revoke_url}>"]
    if purge_steps(c):
        lines += ["", "**Purging it from history**", ""] + [f"- {text(step)}" for step in purge_steps(c)]
    return [*lines, "", "</details>", ""]


def render(inventory: Inventory) -> str:
    summary = summarize(inventory)
    where = "history" if inventory.source == "history" else "directory scan"
    title = f"# Credential inventory: {text(inventory.name)}" if inventory.name else "# Credential inventory"
    lines = [
        title,
        "",
        f"As of {inventory.as_of}, from the {where}: **{summary.total}** credentials, **{summary.open}** "
        f"open, **{summary.history_only}** only in history; **{summary.failing}** fail "
        f"`--fail-on {inventory.fail_on.value}` (open, and unreviewed or real).",
        "",
        *_changes(inventory),
        *_summary(inventory),
        *_table(inventory),
    ]
    if inventory.credentials:
        lines += ["## Details", ""]
    for n, c in enumerate(inventory.credentials, 1):
        lines += _details(inventory, n, c)
    if any(c.state is State.HISTORY_ONLY for c in inventory.credentials):
        lines.append("Credentials only in history stay readable in every clone and fork: rotate first.")
    return "\n".join(lines).rstrip("\n") + "\n"
