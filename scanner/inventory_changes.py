"""What changed since a previous inventory (`--since-inventory FILE`): each credential is new (its id
was not there), removed (open then, only in history now: rotation still to confirm), reopened (only in
history then, in a tree again) or unchanged; credentials of the previous inventory found nowhere now are
listed as gone and counted as removed. Pure."""

from __future__ import annotations

from dataclasses import replace

from scanner.inventory_model import Change, Changes, Inventory, Previous, State
from scanner.model import Severity


def _change(before: Previous | None, now: State) -> Change:
    if before is None:
        return Change.NEW
    if before.state is State.OPEN and now is State.HISTORY_ONLY:
        return Change.REMOVED
    if before.state is State.HISTORY_ONLY and now is State.OPEN:
        return Change.REOPENED
    return Change.UNCHANGED


def compare(
    inventory: Inventory, previous: tuple[Previous, ...], since: str, min_severity: Severity = Severity.LOW
) -> Inventory:
    """`inventory` with each credential's change against `previous` (dated `since`). Previous
    credentials below `min_severity` are left out, as this inventory leaves out its own."""
    before = {p.id: p for p in previous if p.severity.rank >= min_severity.rank}
    credentials = tuple(replace(c, change=_change(before.get(c.id), c.state)) for c in inventory.credentials)
    now = {c.id for c in credentials}
    gone = tuple(sorted((p for p in before.values() if p.id not in now), key=lambda p: (p.paths, p.id)))
    counts = {change: sum(1 for c in credentials if c.change is change) for change in Change}
    counts[Change.REMOVED] += len(gone)
    changes = Changes(since, tuple(counts.items()), gone)
    return replace(inventory, credentials=credentials, changes=changes)
