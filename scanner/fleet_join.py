"""The fleet's credential inventory: every repository's credentials (scanner.credentials, ids keyed by
the fleet's key, so one secret has one id in every repository) joined by id into one `Inventory`
(scanner.inventory_model) that the inventory's reporters write, with the repositories holding each.
Pure: records in, records out; the date open windows are counted to is given.

A joined credential's paths read `repository:path` and its refs `ref (repository)`; `repositories` has
each repository's own view (first introduction, tips, paths, commits, open or not). Its window runs
from its first introduction in any repository to its last removal, open while any repository's tip
holds it; its review is the most pressing of its repositories' (real, then unreviewed, then an
accepted risk, then a false positive), with expiries judged on the inventory's date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timezone

from scanner.fleet_model import RepoResult
from scanner.inventory_model import Credential, Event, InRepository, Inventory, RefRemoval, Review, Window
from scanner.model import CommitInfo, Notice, ReviewStatus, ScanStats, Severity

_URGENCY = (
    ReviewStatus.REAL,
    ReviewStatus.UNREVIEWED,
    ReviewStatus.ACCEPTED_RISK,
    ReviewStatus.FALSE_POSITIVE,
)

Found = tuple[str, Credential]  # (repository name, its credential)


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(timezone.utc).date()


def _when(info: CommitInfo | None) -> tuple[int, str]:
    return (0, datetime.fromisoformat(info.date).astimezone(timezone.utc).isoformat()) if info else (1, "")


def _window(found: list[Found], as_of: date) -> Window:
    starts = [c.window.start for _, c in found if c.window.start]
    start = min(starts, key=_day) if starts else None
    if any(c.window.open for _, c in found):
        return Window(start, None, True, None if start is None else max(0, (as_of - _day(start)).days))
    ends = [c.window.end for _, c in found]
    if start is None or None in ends:  # a directory scan, or no commit removed it somewhere
        return Window(start, None, False, None)
    end = max((e for e in ends if e), key=_day)
    return Window(start, end, False, max(0, (_day(end) - _day(start)).days))


def _review(reviews: Iterable[Review], as_of: date) -> Review:
    found = list(reviews)
    worst = min(found, key=lambda r: (_URGENCY.index(r.status), r.expires or "9999"))
    due = [
        r
        for r in found
        if r.expired or (r.status is not ReviewStatus.REAL and r.expires and r.expires < str(as_of))
    ]
    return Review(worst.status, worst.reason, worst.expires, bool(due), all(r.in_baseline for r in found))


def _qualified(refs: Iterable[str], name: str) -> list[str]:
    return [f"{ref} ({name})" for ref in refs]


def _joined(found: list[Found], as_of: date) -> Credential:
    found.sort(key=lambda pair: (_when(pair[1].first.commit), pair[0]))
    name, earliest = found[0]
    rules = {c.rule.id: c.rule for _, c in found}
    rule = min(rules.values(), key=lambda r: (r.is_generic, -r.severity.rank, -r.confidence.rank, r.id))
    removals = [RefRemoval(r.commit, tuple(_qualified(r.refs, n))) for n, c in found for r in c.removals]
    histories = [c.in_history for _, c in found if c.in_history is not None]
    return Credential(
        id=earliest.id,
        rule=rule,
        rules=tuple(sorted({r for _, c in found for r in c.rules})),
        severity=max((c.severity for _, c in found), key=lambda s: s.rank),
        preview=earliest.preview,
        first=Event(f"{name}:{earliest.first.path}", earliest.first.line, earliest.first.commit),
        paths=tuple(sorted({f"{n}:{p}" for n, c in found for p in c.paths})),
        commits=sum(c.commits for _, c in found),
        authors=tuple(dict.fromkeys(a for _, c in found for a in c.authors)),
        held_at=tuple(ref for n, c in found for ref in _qualified(c.held_at, n)),
        removals=tuple(sorted(removals, key=lambda r: (_when(r.commit), r.refs))),
        dropped=tuple(ref for n, c in found for ref in _qualified(c.dropped, n)),
        window=_window(found, as_of),
        in_history=any(histories) if histories else None,
        in_messages=any(c.in_messages for _, c in found),
        review=_review((c.review for _, c in found), as_of),
        repositories=tuple(
            InRepository(n, c.first, c.held_at, c.paths, c.commits, c.window.open)
            for n, c in sorted(found, key=lambda pair: pair[0])
        ),
    )


def _notices(results: list[RepoResult]) -> tuple[Notice, ...]:
    notices = []
    for r in results:
        if r.failed:
            kept = f"; its credentials are those of its audit of {r.scanned_at}" if r.scanned_at else ""
            notices.append(Notice(r.repo.name, f"not audited in this run: {r.reason}{kept}"))
    return tuple(notices)


def join(
    results: list[RepoResult],
    as_of: date,
    key_id: str,
    fail_on: Severity = Severity.LOW,
    min_severity: Severity = Severity.LOW,
) -> Inventory:
    """The fleet's inventory as of `as_of`, leaving out credentials below `min_severity`; the oldest
    introduction first."""
    by_id: dict[str, list[Found]] = {}
    for result in results:
        for credential in result.credentials:
            if credential.severity.rank >= min_severity.rank:
                by_id.setdefault(credential.id, []).append((result.repo.name, credential))
    joined = sorted(
        (_joined(found, as_of) for found in by_id.values()), key=lambda c: (_when(c.first.commit), c.id)
    )
    stats = ScanStats()
    for result in results:
        stats += result.stats
    return Inventory(
        source="fleet",
        as_of=as_of.isoformat(),
        key_id=key_id,
        credentials=tuple(replace(c, order=n) for n, c in enumerate(joined)),
        name=f"fleet of {len(results)} repositories",
        fail_on=fail_on,
        tips=tuple((f"{ref} ({r.repo.name})", commit) for r in results for ref, commit in r.tips),
        stats=stats,
        notices=_notices(results),
        baseline=any(r.baseline for r in results),
        gaps=tuple(f"{r.repo.name}: {gap}" for r in results for gap in r.gaps),
        repositories=tuple(r.repo.name for r in results),
    )
