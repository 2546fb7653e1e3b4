"""A fleet run's reports: the summary per repository (JSON for `--summary FILE`, a table with `-v`, a
totals line), and the fleet's credential inventory as JSON. Repository names never carry a URL's
credentials (scanner.sources.fleet_sources); credentials carry salted ids and redacted previews only."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from scanner import __version__
from scanner.fleet_join import FleetCredential
from scanner.fleet_model import Outcome, RepoResult, Sighting, Timings
from scanner.model import CommitInfo
from scanner.reporters.text import printable

SUMMARY_FORMAT = "spillguard-fleet-summary"
INVENTORY_FORMAT = "spillguard-fleet-inventory"
SCHEMA_VERSION = 1


def _repository(result: RepoResult) -> dict[str, Any]:
    listing = result.listing
    return {
        "name": result.repo.name,
        "outcome": result.outcome.value,
        "reason": result.reason,
        "last_scanned": result.scanned_at,
        "refs": len(listing.refs) if listing is not None else None,
        "ref_state": listing.digest if listing is not None else None,
        "head": listing.head if listing is not None else None,
        "stats": asdict(result.stats),
        "findings": result.findings,
        "credentials": len(result.sightings),
        "baseline": result.baseline,
        "notes": list(result.notes),
        "seconds": round(result.seconds, 3),
        "worker": result.worker or None,
        "peak_rss_mb": round(result.peak_rss / 2**20, 1) if result.peak_rss else None,
    }


def totals(results: list[RepoResult], credentials: tuple[FleetCredential, ...]) -> dict[str, int]:
    count = {outcome: sum(1 for r in results if r.outcome is outcome) for outcome in Outcome}
    return {
        "repositories": len(results),
        "scanned": count[Outcome.SCANNED],
        "unchanged": count[Outcome.UNCHANGED],
        "failed": count[Outcome.FAILED],
        "credentials": len(credentials),
        "shared": sum(1 for c in credentials if len(c.sightings) > 1),
    }


def summary_json(
    results: list[RepoResult], credentials: tuple[FleetCredential, ...], timings: Timings
) -> str:
    document = {
        "format": SUMMARY_FORMAT,
        "version": SCHEMA_VERSION,
        "spillguard": __version__,
        "totals": totals(results, credentials),
        "timings": {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(timings).items()},
        "repositories": [_repository(r) for r in results],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def totals_line(results: list[RepoResult], credentials: tuple[FleetCredential, ...]) -> str:
    t = totals(results, credentials)
    return (
        f"{t['repositories']} repositories: {t['scanned']} scanned, {t['unchanged']} unchanged, "
        f"{t['failed']} failed; {t['credentials']} credentials, {t['shared']} in more than one repository"
    )


def table(results: list[RepoResult]) -> str:
    """One line per repository: outcome, last scanned, refs, blobs read and taken from the cache,
    credentials, and a failure's reason."""
    lines = []
    for r in results:
        refs = len(r.listing.refs) if r.listing is not None else 0
        when = r.scanned_at or "never"
        detail = f"  {printable(r.reason)}" if r.reason else ""
        lines.append(
            f"{printable(r.repo.name)}  {r.outcome.value}  last scanned {when}  {refs} refs  "
            f"{r.stats.files} blobs read, {r.stats.cached} cached  {len(r.sightings)} credentials{detail}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def _commit(info: CommitInfo | None) -> dict[str, str] | None:
    return None if info is None else {"commit": info.sha, "author": info.author, "date": info.date}


def _sighting(name: str, s: Sighting) -> dict[str, Any]:
    return {
        "repository": name,
        "rule_id": s.rule_id,
        "rules": list(s.rules),
        "first": {**(_commit(s.first) or {}), "path": s.first_path, "line": s.first_line},
        "last": _commit(s.last),
        "paths": list(s.paths),
        "commits": s.commits,
        "authors": list(s.authors),
        "open": s.open,
        "review": s.review.value if s.review is not None else None,
    }


def inventory_json(credentials: tuple[FleetCredential, ...], key_id: str) -> str:
    document = {
        "format": INVENTORY_FORMAT,
        "version": SCHEMA_VERSION,
        "spillguard": __version__,
        "key_id": key_id,
        "credentials": [
            {
                "id": c.id,
                "rule_id": c.rule_id,
                "severity": c.severity.value,
                "preview": c.preview,
                "state": "open" if c.open else "history-only",
                "repositories": list(c.repositories),
                "in_repositories": len(c.sightings),
                "first": {"repository": c.first_repository, **(_commit(c.first) or {})},
                "sightings": [_sighting(name, s) for name, s in c.sightings],
            }
            for c in credentials
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
