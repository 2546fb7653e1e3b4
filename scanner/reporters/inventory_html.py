"""The inventory as one self-contained HTML file: rendered from Jinja2 templates shipped in the wheel
(reporters/templates/), with its styles, script and charts inline (SVG laid out by the template), no
external asset and no network access (a Content-Security-Policy forbids any). Every string is escaped
by Jinja2's autoescape, so a path or author holding markup renders as text. This module only gathers
the data the template shows; the template does the layout."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone
from typing import Any

from scanner import __version__
from scanner.inventory_model import Change, Credential, Inventory, State
from scanner.model import CommitInfo, ReviewStatus
from scanner.reporters.inventory_common import (
    ACTION_LABELS,
    CHANGE_LABELS,
    REVIEW_LABELS,
    STATE_LABELS,
    failing,
    purge_steps,
    ref_kind,
    short_ref,
    summarize,
)

TEMPLATE = "inventory.html.j2"
TIMELINE_ROWS = 60  # the rest are in the table


def _day(iso: str) -> int:
    return datetime.fromisoformat(iso).astimezone(timezone.utc).date().toordinal()


def _refs(refs: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"name": short_ref(ref), "kind": ref_kind(ref), "full": ref} for ref in refs]


def _commit(info: CommitInfo | None) -> dict[str, str] | None:
    if info is None:
        return None
    return {"sha": info.sha, "short": info.sha[:10], "author": info.author, "date": info.date[:10]}


def _credential(inventory: Inventory, n: int, c: Credential, today: int) -> dict[str, Any]:
    window = c.window
    start = _day(window.start) if window.start else None
    end = _day(window.end) if window.end else (today if window.open else start)
    remediation = c.rule.remediation
    return {
        "n": n,
        "id": c.id,
        "short_id": c.id[:10],
        "provider": c.provider,
        "kind": c.kind,
        "rule_id": c.rule.id,
        "rule_name": c.rule.name,
        "rules": [r for r in c.rules if r != c.rule.id],
        "severity": c.severity.value,
        "severity_rank": c.severity.rank,
        "confidence": c.rule.confidence.value,
        "preview": c.preview,
        "secret": c.secret,
        "state": c.state.value,
        "state_label": STATE_LABELS[c.state],
        "review": c.review,
        "review_status": c.review.status.value,
        "review_label": REVIEW_LABELS[c.review.status],
        "action": ACTION_LABELS[c.action],
        "failing": failing(inventory, c),
        "change": c.change.value if c.change else "",
        "change_label": CHANGE_LABELS[c.change] if c.change else "",
        "first": c.first,
        "first_commit": _commit(c.first.commit),
        "held_at": _refs(c.held_at),
        "removals": [{"commit": _commit(r.commit), "refs": _refs(r.refs)} for r in c.removals],
        "dropped": _refs(c.dropped),
        "paths": c.paths,
        "commits": c.commits,
        "authors": c.authors,
        "in_history": c.in_history,
        "in_messages": c.in_messages,
        "window": window,
        "start_label": window.start[:10] if window.start else "",
        "end_label": "open" if window.open else (window.end[:10] if window.end else "unknown"),
        "days": window.days,
        "start_day": start,
        "end_day": end,
        "remediation": remediation,
        "purge": purge_steps(c),
    }


def _ticks(first: int, last: int) -> list[dict[str, Any]]:
    """Dates to draw gridlines at: 1 January of each year in the span, or the first of each month when
    the span is under two years (every third month under six)."""
    start, end = date.fromordinal(first), date.fromordinal(last)
    if end.year - start.year >= 2:
        days = [date(year, 1, 1) for year in range(start.year + 1, end.year + 1)]
        return [{"day": d.toordinal(), "label": str(d.year)} for d in days]
    step = 1 if (end - start).days < 180 else 3
    found: list[dict[str, Any]] = []
    year, month = start.year, start.month
    while True:
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        if date(year, month, 1) > end:
            return found
        found.append(
            {"day": date(year, month, 1).toordinal(), "label": date(year, month, 1).strftime("%b %Y")}
        )


def view(inventory: Inventory) -> dict[str, Any]:
    """Everything the template shows, as plain data."""
    today = date.fromisoformat(inventory.as_of).toordinal()
    summary = summarize(inventory)
    rows = [_credential(inventory, n, c, today) for n, c in enumerate(inventory.credentials, 1)]
    by_id = {r["id"]: r for r in rows}
    dated = [r for r in rows if r["start_day"] is not None]
    # the timeline shows the open credentials first (oldest first), then the others, at most TIMELINE_ROWS
    shown = sorted(dated, key=lambda r: (r["state"] != State.OPEN.value, r["start_day"], r["n"]))
    first = min((r["start_day"] for r in dated), default=today)
    last = max([today] + [r["end_day"] for r in dated])
    opened = Counter(c.provider for c in inventory.credentials if c.state is State.OPEN)
    providers = [{"name": name, "total": total, "open": opened[name]} for name, total in summary.by_provider]
    changes = inventory.changes
    return {
        "name": inventory.name,
        "as_of": inventory.as_of,
        "source": inventory.source,
        "fail_on": inventory.fail_on.value,
        "version": __version__,
        "key_id": inventory.key_id,
        "tips": len(inventory.tips),
        "baseline": inventory.baseline,
        "summary": summary,
        "reviews": [
            {"status": status.value, "label": REVIEW_LABELS[status], "count": n}
            for status, n in summary.by_review
        ],
        "severities": [
            {"name": s.value, "total": n, "open": dict(summary.open_by_severity)[s]}
            for s, n in summary.by_severity
        ],
        "providers": providers,
        "oldest": [by_id[c.id] for c in summary.oldest_open],
        "credentials": rows,
        "timeline": {
            "first": first,
            "last": max(last, first + 1),
            "ticks": _ticks(first, max(last, first + 1)),
        },
        "dated": shown[:TIMELINE_ROWS],
        "undated": len(rows) - len(shown[:TIMELINE_ROWS]),
        "revealed": any(c.secret is not None for c in inventory.credentials),
        "changes": None
        if changes is None
        else {
            "since": changes.since,
            "counts": [
                {"change": change.value, "label": CHANGE_LABELS[change], "count": n}
                for change, n in changes.counts
            ],
            "listed": [r for r in rows if r["change"] not in ("", Change.UNCHANGED.value)],
            "gone": changes.gone,
        },
        "notices": inventory.notices,
        "stats": inventory.stats,
        "unreviewed": ReviewStatus.UNREVIEWED.value,
    }


def render(inventory: Inventory) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("scanner.reporters", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(TEMPLATE).render(view=view(inventory))
