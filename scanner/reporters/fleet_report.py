"""A fleet run's summary per repository: JSON for `--summary FILE`, a line per repository with `-v`, a
totals line. (The fleet's credential inventory is written by the inventory's reporters.) Repository
names never carry a URL's credentials (scanner.sources.fleet_sources)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from scanner import __version__
from scanner.fleet_model import Outcome, RepoResult, Timings
from scanner.inventory_model import Inventory
from scanner.reporters.text import printable

SUMMARY_FORMAT = "spillguard-fleet-summary"
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
        "credentials": len(result.credentials),
        "baseline": result.baseline,
        "notes": list(result.notes),
        "seconds": round(result.seconds, 3),
        "worker": result.worker or None,
        "peak_rss_mb": round(result.peak_rss / 2**20, 1) if result.peak_rss else None,
    }


def totals(results: list[RepoResult], inventory: Inventory) -> dict[str, int]:
    count = {outcome: sum(1 for r in results if r.outcome is outcome) for outcome in Outcome}
    return {
        "repositories": len(results),
        "scanned": count[Outcome.SCANNED],
        "unchanged": count[Outcome.UNCHANGED],
        "failed": count[Outcome.FAILED],
        "credentials": len(inventory.credentials),
        "shared": sum(1 for c in inventory.credentials if len(c.repositories) > 1),
    }


def summary_json(results: list[RepoResult], inventory: Inventory, timings: Timings) -> str:
    document = {
        "format": SUMMARY_FORMAT,
        "version": SCHEMA_VERSION,
        "spillguard": __version__,
        "as_of": inventory.as_of,
        "key_id": inventory.key_id,
        "totals": totals(results, inventory),
        "timings": {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(timings).items()},
        "repositories": [_repository(r) for r in results],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def totals_line(results: list[RepoResult], inventory: Inventory) -> str:
    t = totals(results, inventory)
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
            f"{r.stats.files} blobs read, {r.stats.cached} cached  {len(r.credentials)} credentials{detail}"
        )
    return "\n".join(lines) + ("\n" if lines else "")
