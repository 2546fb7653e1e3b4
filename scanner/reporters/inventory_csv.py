"""The inventory as CSV (RFC 4180, one row per credential, oldest first), for a spreadsheet or a ticket
import. Lists are joined with "; ". A cell that a spreadsheet would run as a formula (starting with =,
+, -, @, a tab or a carriage return: a path or author is written by whoever commits) is prefixed with
an apostrophe."""

from __future__ import annotations

import csv
import io

from scanner.inventory_model import Credential, Inventory
from scanner.reporters.inventory_common import failing, short_ref

COLUMNS = (
    "id",
    "provider",
    "kind",
    "rule_id",
    "severity",
    "confidence",
    "preview",
    "state",
    "action",
    "failing",
    "review_status",
    "review_reason",
    "review_expires",
    "change",
    "first_commit",
    "first_author",
    "first_date",
    "first_path",
    "window_start",
    "window_end",
    "window_days",
    "held_at",
    "removed_by",
    "paths",
    "commits",
    "authors",
    "revoke_url",
    "secret",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return f"'{text}" if text.startswith(_FORMULA) else text


def _row(inventory: Inventory, c: Credential) -> list[str]:
    first = c.first.commit
    removed = [f"{r.commit.sha[:12]} ({', '.join(short_ref(ref) for ref in r.refs)})" for r in c.removals]
    values: list[object] = [
        c.id,
        c.provider,
        c.kind,
        c.rule.id,
        c.severity.value,
        c.rule.confidence.value,
        c.preview,
        c.state.value,
        c.action.value,
        failing(inventory, c),
        c.review.status.value,
        c.review.reason,
        c.review.expires,
        c.change.value if c.change else None,
        first.sha if first else None,
        first.author if first else None,
        first.date if first else None,
        c.first.path,
        c.window.start,
        c.window.end,
        c.window.days,
        "; ".join(c.held_at),
        "; ".join(removed),
        "; ".join(c.paths),
        c.commits,
        "; ".join(c.authors),
        c.rule.remediation.revoke_url,
        c.secret,
    ]
    return [_cell(v) for v in values]


def render(inventory: Inventory) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for credential in inventory.credentials:
        writer.writerow(_row(inventory, credential))
    return out.getvalue()
