"""A repository's fleet result as JSON, for its checkpoint in the state directory (scanner.modes
.fleet_state): its ref listing, counts and credentials (scanner.inventory_model.Credential, each rule
written by id and found again in the rule set on reading: a checkpoint is only read under the rule set
it was written with). Nothing here is a secret: ids are keyed hashes, previews are redacted."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from scanner import jsonio
from scanner.fleet_model import RESULT_VERSION, Outcome, RefListing, Repo, RepoResult
from scanner.inventory_model import Credential, Event, RefRemoval, Review, Window
from scanner.model import CommitInfo, ReviewStatus, Rule, ScanStats, Severity


def _commit(info: CommitInfo | None) -> list[str] | None:
    return None if info is None else [info.sha, info.author, info.date]


def _info(raw: Any) -> CommitInfo | None:
    return None if raw is None else CommitInfo(str(raw[0]), str(raw[1]), str(raw[2]))


def _strings(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise TypeError("expected a list")
    return tuple(str(item) for item in raw)


def credential_json(c: Credential) -> dict[str, Any]:
    return {
        "id": c.id,
        "rule": c.rule.id,
        "rules": list(c.rules),
        "severity": c.severity.value,
        "preview": c.preview,
        "first": [c.first.path, c.first.line, _commit(c.first.commit)],
        "paths": list(c.paths),
        "commits": c.commits,
        "authors": list(c.authors),
        "held_at": list(c.held_at),
        "removals": [[_commit(r.commit), list(r.refs)] for r in c.removals],
        "dropped": list(c.dropped),
        "window": [c.window.start, c.window.end, c.window.open, c.window.days],
        "in_history": c.in_history,
        "in_messages": c.in_messages,
        "review": [
            c.review.status.value,
            c.review.reason,
            c.review.expires,
            c.review.expired,
            c.review.in_baseline,
        ],
        "order": c.order,
    }


def credential_from_json(raw: dict[str, Any], rules: Mapping[str, Rule]) -> Credential:
    path, line, first = raw["first"]
    start, end, is_open, days = raw["window"]
    status, reason, expires, expired, in_baseline = raw["review"]
    removals = []
    for commit, refs in raw["removals"]:
        info = _info(commit)
        if info is None:
            raise ValueError("a removal without its commit")
        removals.append(RefRemoval(info, _strings(refs)))
    return Credential(
        id=str(raw["id"]),
        rule=rules[str(raw["rule"])],
        rules=_strings(raw["rules"]),
        severity=Severity(raw["severity"]),
        preview=str(raw["preview"]),
        first=Event(str(path), int(line), _info(first)),
        paths=_strings(raw["paths"]),
        commits=int(raw["commits"]),
        authors=_strings(raw["authors"]),
        held_at=_strings(raw["held_at"]),
        removals=tuple(removals),
        dropped=_strings(raw["dropped"]),
        window=Window(start, end, bool(is_open), None if days is None else int(days)),
        in_history=None if raw["in_history"] is None else bool(raw["in_history"]),
        in_messages=bool(raw["in_messages"]),
        review=Review(ReviewStatus(status), reason, expires, bool(expired), bool(in_baseline)),
        order=int(raw["order"]),
    )


def to_json(result: RepoResult, sarif: str | None) -> str:
    """`sarif`: which SARIF report was kept with it (the settings it was rendered with), or None."""
    listing = result.listing or RefListing(())
    document = {
        "version": RESULT_VERSION,
        "key": result.key,
        "sarif": sarif,
        "refs": [list(ref) for ref in listing.refs],
        "head": listing.head,
        "stats": asdict(result.stats),
        "findings": result.findings,
        "credentials": [credential_json(c) for c in result.credentials],
        "tips": [list(tip) for tip in result.tips],
        "gaps": list(result.gaps),
        "scanned_at": result.scanned_at,
        "seconds": result.seconds,
        "baseline": result.baseline,
        "notes": list(result.notes),
    }
    return json.dumps(document, sort_keys=True, indent=1) + "\n"


def from_json(text: str, repo: Repo, rules: Mapping[str, Rule]) -> tuple[RepoResult, str | None]:
    """The checkpointed result (and which SARIF report was kept with it, if any). Raises ValueError,
    TypeError, KeyError or IndexError for anything that does not read back whole (a rule no longer in
    the rule set included)."""
    data = jsonio.loads(text)
    if data["version"] != RESULT_VERSION:
        raise ValueError("another version")
    listing = RefListing(tuple((str(n), str(t)) for n, t in data["refs"]), data["head"])
    result = RepoResult(
        repo=repo,
        outcome=Outcome.UNCHANGED,
        listing=listing,
        key=str(data["key"]),
        stats=ScanStats(**{str(k): int(v) for k, v in data["stats"].items()}),
        findings=int(data["findings"]),
        credentials=tuple(credential_from_json(raw, rules) for raw in data["credentials"]),
        tips=tuple((str(ref), str(commit)) for ref, commit in data["tips"]),
        gaps=_strings(data["gaps"]),
        scanned_at=str(data["scanned_at"]),
        seconds=float(data["seconds"]),
        baseline=bool(data["baseline"]),
        notes=_strings(data["notes"]),
    )
    return result, data["sarif"] if isinstance(data["sarif"], str) else None
