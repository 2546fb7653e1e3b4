"""The inventory as JSON, schema version 1 (documented in the README; a JSON Schema ships beside this
module, reporters/schemas/inventory-v1.json): keys sorted, credentials oldest first, no timings. And the
reading of a previous inventory for `--since-inventory`."""

from __future__ import annotations

import json
import re
from typing import Any

from scanner import __version__
from scanner.errors import InputError
from scanner.inventory_model import (
    INVENTORY_FORMAT,
    INVENTORY_SCHEMA,
    Credential,
    Event,
    Inventory,
    Previous,
    State,
)
from scanner.model import CommitInfo, Severity
from scanner.reporters.inventory_common import failing, purge_steps, summarize


def _commit(info: CommitInfo | None) -> dict[str, object]:
    if info is None:
        return {"commit": None, "author": None, "date": None}
    return {"commit": info.sha, "author": info.author, "date": info.date}


def _first(event: Event) -> dict[str, object]:
    return {**_commit(event.commit), "path": event.path, "line": event.line}


def credential_dict(inventory: Inventory, c: Credential) -> dict[str, object]:
    remediation = c.rule.remediation
    data: dict[str, object] = {
        "id": c.id,
        "provider": c.provider,
        "kind": c.kind,
        "rule_id": c.rule.id,
        "rule_name": c.rule.name,
        "rules": list(c.rules),
        "severity": c.severity.value,
        "confidence": c.rule.confidence.value,
        "preview": c.preview,
        "state": c.state.value,
        "action": c.action.value,
        "failing": failing(inventory, c),
        "first": _first(c.first),
        "held_at": list(c.held_at),
        "removed": [{**_commit(r.commit), "refs": list(r.refs)} for r in c.removals],
        "dropped": list(c.dropped),
        "paths": list(c.paths),
        "commits": c.commits,
        "authors": list(c.authors),
        "window": {
            "start": c.window.start,
            "end": c.window.end,
            "open": c.window.open,
            "days": c.window.days,
        },
        "in_history": c.in_history,
        "in_messages": c.in_messages,
        "review": {
            "status": c.review.status.value,
            "reason": c.review.reason,
            "expires": c.review.expires,
            "expired": c.review.expired,
            "in_baseline": c.review.in_baseline,
        },
        "change": c.change.value if c.change is not None else None,
        "remediation": {
            "summary": remediation.summary,
            "rotate": list(remediation.rotate),
            "revoke_url": remediation.revoke_url,
            "purge": list(purge_steps(c)),
        },
    }
    if c.secret is not None:
        data["secret"] = c.secret
    return data


def inventory_dict(inventory: Inventory) -> dict[str, object]:
    summary = summarize(inventory)
    changes = inventory.changes
    stats = inventory.stats
    return {
        "format": INVENTORY_FORMAT,
        "schema_version": INVENTORY_SCHEMA,
        "tool": {"name": "spillguard", "version": __version__},
        "repository": inventory.name,
        "source": inventory.source,
        "as_of": inventory.as_of,
        "key_id": inventory.key_id,
        "fail_on": inventory.fail_on.value,
        "baseline": inventory.baseline,
        "tips": [{"ref": ref, "commit": commit} for ref, commit in inventory.tips],
        "summary": {
            "credentials": summary.total,
            "open": summary.open,
            "history_only": summary.history_only,
            "failing": summary.failing,
            "by_severity": {s.value: n for s, n in summary.by_severity},
            "by_review": {r.value: n for r, n in summary.by_review},
            "by_provider": dict(summary.by_provider),
        },
        "changes": None
        if changes is None
        else {
            "since": changes.since,
            **{change.value: n for change, n in changes.counts},
            "gone": [
                {
                    "id": p.id,
                    "state": p.state.value,
                    "rule_id": p.rule_id,
                    "severity": p.severity.value,
                    "preview": p.preview,
                    "paths": list(p.paths),
                }
                for p in changes.gone
            ],
        },
        "credentials": [credential_dict(inventory, c) for c in inventory.credentials],
        "notices": [{"path": n.path, "message": n.message} for n in inventory.notices],
        "stats": {
            "files_scanned": stats.files,
            "bytes_scanned": stats.bytes,
            "skipped_binary": stats.skipped_binary,
            "skipped_too_large": stats.skipped_large,
            "skipped_unreadable": stats.skipped_unreadable,
            "skipped_allowlisted": stats.skipped_allowlisted,
            "regex_timeouts": stats.timeouts,
            "cached_blobs": stats.cached,
        },
    }


def render(inventory: Inventory) -> str:
    return json.dumps(inventory_dict(inventory), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


_ID = re.compile(r"[0-9a-f]{32}")


def _previous(raw: Any, number: int, name: str) -> Previous:
    where = f"{name}: credential {number}"
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not _ID.fullmatch(raw["id"]):
        raise InputError(f"{where}: not a credential with a 32-hex-digit id")
    try:
        state, severity = State(raw.get("state")), Severity(raw.get("severity"))
    except ValueError:
        raise InputError(f"{where}: unknown state or severity") from None
    paths, fields = raw.get("paths"), (raw.get("rule_id"), raw.get("preview"))
    if not isinstance(paths, list) or not all(isinstance(v, str) for v in [*paths, *fields]):
        raise InputError(f"{where}: rule_id, preview and paths must be text")
    return Previous(raw["id"], state, str(fields[0]), severity, str(fields[1]), tuple(paths))


def parse_previous(text: str, name: str) -> tuple[str, str, tuple[Previous, ...]]:
    """The date, key id and credentials of a previous inventory's JSON."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise InputError(f"{name}: not JSON (expected an inventory written with --format json)") from None
    if not isinstance(data, dict) or data.get("format") != INVENTORY_FORMAT:
        raise InputError(f"{name}: not a spillguard inventory (written with --format json)")
    if data.get("schema_version") != INVENTORY_SCHEMA:
        raise InputError(
            f"{name}: inventory schema version {data.get('schema_version')!r}; "
            f"this spillguard reads version {INVENTORY_SCHEMA}"
        )
    credentials, as_of, key = data.get("credentials"), data.get("as_of"), data.get("key_id")
    if not isinstance(credentials, list) or not isinstance(as_of, str) or not isinstance(key, str):
        raise InputError(f"{name}: an inventory needs `as_of`, `key_id` and a `credentials` list")
    return as_of, key, tuple(_previous(raw, n, name) for n, raw in enumerate(credentials, 1))


def check_key(name: str, previous_key: str, key_id: str) -> None:
    """A previous inventory compares only when its ids are under the same key."""
    if previous_key != key_id:
        raise InputError(
            f"{name}: made under another inventory key (another clone, or a deleted inventory-key "
            "file), so its credential ids do not compare; take a new inventory to compare with later"
        )
