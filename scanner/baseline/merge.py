"""Three-way merge of baselines (`spillguard baseline merge`, git's merge driver for the baseline file):
two branches that each ran `baseline update` or reviewed entries merge by entry, never by line.

Entries are matched by fingerprint. An entry added on either side is kept; one removed on one side and
untouched on the other is removed; one changed on one side only takes that change; one removed on one
side and reviewed on the other keeps the review (a stale entry is harmless: `baseline report` lists it,
the next update removes it). Two different reviews of the same entry are a conflict, as are baselines
with different hash salts (one side recreated the file): their fingerprints cannot be compared.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scanner.baseline.format import Baseline, Entry


@dataclass(frozen=True)
class Merged:
    baseline: Baseline
    conflicts: tuple[str, ...]  # one sentence each; the baseline then holds our side of each


def _review(entry: Entry) -> tuple[object, ...]:
    return (entry.status, entry.reason, entry.reviewer, entry.expires)


def merge(base: Baseline | None, ours: Baseline, theirs: Baseline) -> Merged:
    """`base` is the common ancestor's baseline, None when the file did not exist there."""
    if ours.params != theirs.params:
        return Merged(
            ours,
            (
                "the two baselines use different hash salts (one side recreated it with `baseline create`), "
                "so their entries cannot be matched; keep one side and run `spillguard baseline update`",
            ),
        )
    old = {e.fingerprint: e for e in base.entries} if base is not None and base.params == ours.params else {}
    mine = {e.fingerprint: e for e in ours.entries}
    other = {e.fingerprint: e for e in theirs.entries}
    entries: list[Entry] = []
    conflicts: list[str] = []
    for fingerprint in sorted(old.keys() | mine.keys() | other.keys()):
        was, a, b = old.get(fingerprint), mine.get(fingerprint), other.get(fingerprint)
        if a is None or b is None:
            kept = a or b
            if kept is not None and (was is None or _review(kept) != _review(was)):
                entries.append(kept)  # added on one side, or reviewed there and removed on the other
            continue
        if _review(a) == _review(b) or (was is not None and _review(b) == _review(was)):
            entries.append(a)
        elif was is not None and _review(a) == _review(was):
            entries.append(replace(b, line=a.line))
        else:
            entries.append(a)
            conflicts.append(
                f"{a.path} ({a.rule_id}, {fingerprint[:12]}): reviewed as {a.status.value} on one side "
                f"and {b.status.value} on the other; ours was kept, run `spillguard baseline audit --all` "
                "to review it again"
            )
    return Merged(Baseline(ours.params, tuple(entries)).sorted(), tuple(conflicts))
