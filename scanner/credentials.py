"""The credential inventory, built from a scan's Report (and, for a history audit, its exposure,
scanner.trail): one Credential per secret, whatever the paths, commits, refs and rules that hold it.
Pure: no I/O, no clock (the date open windows are counted to is given).

For each secret: the most specific rule that found it (a provider's before a generic one, then the most
severe), the highest severity of its findings, where it was first introduced, every path, the commits
that introduced it and their authors, the ref tips that hold it and the commits that removed it from the
others, the exposure window (first commit that held it to its removal from every ref tip, or open), and
the baseline's review of its findings combined.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timezone

from scanner.inventory_key import credential_id, key_id
from scanner.inventory_model import Credential, Event, Inventory, RefRemoval, Review, Window
from scanner.model import CommitInfo, Finding, KnownMark, Report, ReviewStatus, Rule, SecretGroup
from scanner.trail import Exposure, Group, Presence, Trail


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(timezone.utc).date()


def _primary(rules: Iterable[Rule]) -> Rule:
    return min(rules, key=lambda r: (r.is_generic, -r.severity.rank, -r.confidence.rank, r.id))


def review(fingerprints: Iterable[str], marks: dict[str, KnownMark] | None) -> Review:
    """The baseline's marks on one credential's findings, combined (see Review)."""
    if marks is None:
        return Review()
    wanted = sorted(set(fingerprints))
    found = [marks[fp] for fp in wanted if fp in marks]
    whole = len(found) == len(wanted)
    expired = any(m.failing and m.status is not ReviewStatus.REAL for m in found)
    statuses = {m.status for m in found}
    if ReviewStatus.REAL in statuses:
        real = next(m for m in found if m.status is ReviewStatus.REAL)
        return Review(ReviewStatus.REAL, real.reason, real.expires, expired, whole)
    if not whole or ReviewStatus.UNREVIEWED in statuses:
        return Review(ReviewStatus.UNREVIEWED, None, None, expired, whole)
    accepted = [m for m in found if m.status is ReviewStatus.ACCEPTED_RISK]
    if accepted:
        soonest = min(accepted, key=lambda m: (m.expires is None, m.expires or ""))
        return Review(ReviewStatus.ACCEPTED_RISK, soonest.reason, soonest.expires, expired, whole)
    return Review(ReviewStatus.FALSE_POSITIVE, found[0].reason, found[0].expires, expired, whole)


def _window(first: CommitInfo, ends: list[CommitInfo], is_open: bool, as_of: date) -> Window:
    if is_open:
        return Window(first.date, None, True, max(0, (as_of - _day(first.date)).days))
    if not ends:  # nothing removed it: only a stash holds it, or a merge dropped it
        return Window(first.date, None, False, None)
    end = ends[-1]
    return Window(first.date, end.date, False, max(0, (_day(end.date) - _day(first.date)).days))


class _History:
    """What a history audit knows of one secret's commits, from its trail."""

    def __init__(self, trail: Trail) -> None:
        self.order = {info.sha: position for position, info in trail.commits}
        self.info = {info.sha: info for _, info in trail.commits}
        self.introduced = dict(trail.introduced)

    def introductions(self, group: Group) -> list[CommitInfo]:
        """The commits that introduced one of the group's pairs or hold it in their message, oldest first."""
        pairs = set(group.pairs)
        commits = {
            c for blob, _ in pairs for c, path in self.introduced.get(blob, ()) if (blob, path) in pairs
        }
        return [self.info[sha] for sha in sorted(commits | set(group.messages), key=self.order.__getitem__)]


def _credential(
    secret: str,
    findings: list[Finding],
    groups: list[SecretGroup],
    rules: dict[str, Rule],
    marks: dict[str, KnownMark] | None,
    key: bytes,
) -> Credential:
    """A credential from its findings (one per fingerprint) and history groups, before its history."""
    found_by = {f.rule_id for f in findings}
    rule = _primary(rules[r] for r in found_by)
    first = min(findings, key=lambda f: (f.rule_id != rule.id, f.location.path, f.location.line))
    return Credential(
        id=credential_id(key, secret),
        rule=rule,
        rules=tuple(sorted(found_by)),
        severity=max((f.severity_for(rules[f.rule_id]) for f in findings), key=lambda s: s.rank),
        preview=first.preview,
        first=Event(first.location.path, first.location.line),
        paths=tuple(sorted({f.location.path for f in findings} | {p for g in groups for p in g.paths})),
        commits=0,
        authors=(),
        held_at=(),
        removals=(),
        dropped=(),
        window=Window(None, None, True, None),
        in_history=None,
        in_messages=False,
        review=review(
            [f.fingerprint for f in findings] + [fp for g in groups for fp in g.fingerprints], marks
        ),
        secret=next((f.secret for f in findings if f.secret is not None), None),
    )


def _with_history(
    credential: Credential,
    group: Group,
    presence: Presence,
    secret_groups: list[SecretGroup],
    history: _History,
    as_of: date,
) -> Credential:
    introductions = history.introductions(group)
    first_group = min(secret_groups, key=lambda g: history.order.get(g.first.commit or "", -1))
    first = introductions[0]
    removals = tuple(RefRemoval(history.info[r.commit], r.refs) for r in presence.removals)
    is_open = bool(presence.held_at or group.messages)
    ends = sorted((r.commit for r in removals), key=lambda c: history.order[c.sha])
    return replace(
        credential,
        first=Event(first_group.first.path, first_group.first.line, first),
        commits=len(introductions),
        authors=tuple(dict.fromkeys(info.author for info in introductions)),
        held_at=presence.held_at,
        removals=removals,
        dropped=presence.dropped,
        window=_window(first, ends, is_open, as_of),
        in_history=True,
        in_messages=bool(group.messages),
        order=history.order[first.sha],
    )


def build(report: Report, exposure: Exposure | None, key: bytes, as_of: date) -> Inventory:
    """The inventory of `report`: a history audit's when `exposure` is given, else a directory scan's."""
    rules = {rule.id: rule for rule in report.rules}
    marks = dict(report.baseline.known) if report.baseline is not None else None
    by_secret: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_secret.setdefault(finding.secret_hash, []).append(finding)
    secret_of = {f.fingerprint: f.secret_hash for f in report.findings}
    groups: dict[str, list[SecretGroup]] = {}
    for secret_group in report.groups:
        groups.setdefault(secret_of[secret_group.fingerprints[0]], []).append(secret_group)
    credentials = {
        secret: _credential(secret, findings, groups.get(secret, []), rules, marks, key)
        for secret, findings in by_secret.items()
    }
    if exposure is not None:
        history = _History(exposure.trail)
        for secret, group, presence in exposure.credentials:
            if secret in credentials:  # not when --min-severity left it out
                credentials[secret] = _with_history(
                    credentials[secret], group, presence, groups[secret], history, as_of
                )
    ordered = sorted(credentials.values(), key=lambda c: (c.order, c.first.path, c.first.line, c.id))
    return Inventory(
        source="history" if exposure is not None else "directory",
        as_of=as_of.isoformat(),
        key_id=key_id(key),
        credentials=tuple(ordered),
        tips=tuple((tip.ref, tip.commit) for tip in exposure.tips) if exposure is not None else (),
        stats=report.stats,
        notices=report.notices,
        baseline=report.baseline is not None,
    )
