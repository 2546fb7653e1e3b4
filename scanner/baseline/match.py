"""Baseline identity and comparison. Pure functions, but for the salted slow hash, which is spread
over processes when there are many distinct secrets.

An entry is identified by sha256(identity, rule id, path, scrypt(salt, secret hash)): the line and
commit are left out, so moving code keeps the entry; a different secret on the same line, or a rotated
key, is a new entry. The salt is random per baseline, and scrypt makes every guess against a committed
baseline cost about a millisecond of CPU instead of a few nanoseconds.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from scanner.baseline.format import IDENTITY, Baseline, Entry, HashParams
from scanner.decision import still_failing
from scanner.model import BaselineView, Finding, KnownMark
from scanner.pool import run_batches

PARALLEL_MIN = 256


def new_params() -> HashParams:
    return HashParams(salt=os.urandom(16).hex())


def slow_hash(params: HashParams, secret_hash: str) -> str:
    key = hashlib.scrypt(
        secret_hash.encode("ascii"),
        salt=bytes.fromhex(params.salt),
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=64 * 1024 * 1024,
        dklen=32,
    )
    return key.hex()


def entry_fingerprint(rule_id: str, path: str, slow: str) -> str:
    payload = "\0".join((IDENTITY, rule_id, path, slow))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def consistent(params: HashParams, entry: Entry) -> bool:
    return entry.fingerprint == entry_fingerprint(entry.rule_id, entry.path, entry.secret_hash)


def _hash_batch(batch: list[str], params: HashParams) -> list[tuple[str, str]]:
    return [(secret, slow_hash(params, secret)) for secret in batch]


def slow_hashes(findings: Iterable[Finding], params: HashParams, jobs: int = 1) -> dict[str, str]:
    """secret hash -> salted slow hash, each distinct secret hashed once."""
    distinct = sorted({f.secret_hash for f in findings})
    batches = [distinct[i : i + 64] for i in range(0, len(distinct), 64)]
    result: dict[str, str] = {}
    for pairs in run_batches(_hash_batch, batches, params, jobs, len(distinct) >= PARALLEL_MIN):
        result.update(pairs)
    return result


def identify(finding: Finding, slow: Mapping[str, str]) -> str:
    return entry_fingerprint(finding.rule_id, finding.location.path, slow[finding.secret_hash])


def in_scope(path: str, scope: tuple[str, ...] | None) -> bool:
    if scope is None:
        return False
    return any(s in ("", ".") or path == s or path.startswith(s.rstrip("/") + "/") for s in scope)


def create(findings: Iterable[Finding], params: HashParams, slow: Mapping[str, str]) -> Baseline:
    entries: dict[str, Entry] = {}
    for finding in findings:
        fingerprint = identify(finding, slow)
        entries.setdefault(
            fingerprint,
            Entry(
                fingerprint,
                finding.rule_id,
                finding.location.path,
                finding.location.line,
                slow[finding.secret_hash],
            ),
        )
    return Baseline(params, tuple(entries.values())).sorted()


def update(
    baseline: Baseline, findings: Iterable[Finding], slow: Mapping[str, str], scope: tuple[str, ...] | None
) -> tuple[Baseline, int, int]:
    """New findings become unreviewed entries; known ones keep their review and get their last-seen
    line; entries not found are removed only inside `scope`. Returns (baseline, added, removed)."""
    current = {e.fingerprint: e for e in baseline.entries}
    seen: dict[str, Entry] = {}
    added = 0
    for finding in findings:
        fingerprint = identify(finding, slow)
        if fingerprint in seen:
            continue
        old = current.get(fingerprint)
        if old is None:
            added += 1
            seen[fingerprint] = Entry(
                fingerprint,
                finding.rule_id,
                finding.location.path,
                finding.location.line,
                slow[finding.secret_hash],
            )
        else:
            seen[fingerprint] = replace(old, line=finding.location.line)
    kept = [e for fp, e in current.items() if fp not in seen and not in_scope(e.path, scope)]
    removed = len(current) - len(kept) - (len(seen) - added)
    return Baseline(baseline.params, tuple(kept) + tuple(seen.values())).sorted(), added, removed


def compare(
    findings: Iterable[Finding],
    baseline: Baseline,
    slow: Mapping[str, str],
    today: date,
    scope: tuple[str, ...] | None,
    show_known: bool,
) -> BaselineView:
    entries = {e.fingerprint: e for e in baseline.entries}
    known: list[tuple[str, KnownMark]] = []
    matched: set[str] = set()
    for finding in findings:
        entry = entries.get(identify(finding, slow))
        if entry is None:
            continue
        matched.add(entry.fingerprint)
        known.append(
            (
                finding.fingerprint,
                KnownMark(
                    status=entry.status,
                    reason=entry.reason,
                    failing=still_failing(entry.status, entry.expired(today)),
                    expires=entry.expires.isoformat() if entry.expires else None,
                ),
            )
        )
    gone = sum(1 for fp, e in entries.items() if fp not in matched and in_scope(e.path, scope))
    return BaselineView(known=tuple(known), gone=gone, show_known=show_known)
