"""Incremental history audits: which blob ids were scanned under which rule set, with their findings.

A SQLite file under the cache directory. Its rule-set key covers the spillguard version, the fingerprint
algorithm, every rule and the policy settings that change findings, so any change there invalidates it.
A cache that cannot be read is discarded with a warning and rebuilt, never trusted. It stores no secret
value, only what a finding record holds (the secret's hash and a redacted preview); it lives inside
`.git/` by default, so it is never committed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from scanner import __version__
from scanner.fingerprint import FINGERPRINT_ALGORITHM
from scanner.model import Finding, Location, Policy, Rule, ScanStats

CACHE_FILE = "history-v4.sqlite"


def ruleset_key(rules: tuple[Rule, ...], policy: Policy) -> str:
    material = repr(
        (
            __version__,
            FINGERPRINT_ALGORITHM,
            sorted(rules, key=lambda r: r.id),
            policy.allowlist,
            policy.max_file_size,
        )
    )
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def _encode(findings: tuple[Finding, ...]) -> str | None:
    if not findings:
        return None
    rows = [
        [
            f.rule_id,
            f.location.line,
            f.location.column,
            f.location.end_line,
            f.location.end_column,
            f.secret_hash,
            f.preview,
            f.entropy,
            f.location.cell,
            f.location.cell_line,
            f.decoded,
        ]
        for f in findings
    ]
    return json.dumps(rows, separators=(",", ":"))


def _decode(blob: str, path: str, text: str) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            rule_id=rule_id,
            location=Location(
                path, line, column, end_line, end_column, blob=blob, cell=cell, cell_line=cell_line
            ),
            secret_hash=secret_hash,
            fingerprint="",
            preview=preview,
            entropy=entropy,
            decoded=decoded,
        )
        for (
            rule_id,
            line,
            column,
            end_line,
            end_column,
            secret_hash,
            preview,
            entropy,
            cell,
            cell_line,
            decoded,
        ) in json.loads(text)
    )


@dataclass(frozen=True)
class Cached:
    """What the cache knows of the blobs asked about: their ids, the findings of those that have any,
    and their scan counts added up."""

    ids: frozenset[str]
    findings: dict[str, tuple[Finding, ...]]
    stats: ScanStats


class BlobCache:
    """Open with `BlobCache.open`; use as a context manager so results are committed."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    def open(cls, directory: Path, key: str, warn: Callable[[str], None]) -> BlobCache:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / CACHE_FILE
        try:
            return cls._connect(path, key)
        except (sqlite3.DatabaseError, ValueError, KeyError, TypeError):
            warn(f"{path}: cache is unreadable; discarding it and scanning every blob")
            path.unlink(missing_ok=True)
            return cls._connect(path, key)

    @classmethod
    def _connect(cls, path: Path, key: str) -> BlobCache:
        db = sqlite3.connect(path)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, files INTEGER NOT NULL, "
                "bytes INTEGER NOT NULL, binary INTEGER NOT NULL, large INTEGER NOT NULL, findings TEXT)"
            )
            # what each commit introduced: independent of the rules, so kept when they change
            db.execute("CREATE TABLE IF NOT EXISTS walks (id TEXT PRIMARY KEY, introduced TEXT NOT NULL)")
            row = db.execute("SELECT value FROM meta WHERE name = 'ruleset'").fetchone()
            if row is None or row[0] != key:
                db.execute("DELETE FROM blobs")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('ruleset', ?)", (key,))
            db.execute("PRAGMA quick_check").fetchone()
            db.commit()
        except BaseException:
            db.close()
            raise
        return cls(db)

    def lookup(self, items: Iterable[tuple[str, str]]) -> Cached:
        """Cached results for (blob id, path) items. The cache belongs to one repository, so it
        usually holds exactly the blobs asked about: SQLite then adds the counts up over the whole
        table, and only rows holding findings are decoded (one that fails to decode is scanned again)."""
        wanted = dict(items)
        stored = {row[0] for row in self._db.execute("SELECT id FROM blobs").fetchall()}
        known = stored & wanted.keys()
        if known == stored:
            sums = self._db.execute(
                "SELECT TOTAL(files), TOTAL(bytes), TOTAL(binary), TOTAL(large) FROM blobs"
            ).fetchone()
        else:  # blobs of other refs or older histories are stored too: add up only ours
            sums = [0, 0, 0, 0]
            for blob, *counts in self._db.execute("SELECT id, files, bytes, binary, large FROM blobs"):
                if blob in known:
                    sums = [a + b for a, b in zip(sums, counts, strict=True)]
        files, size, binary, large = (int(n) for n in sums)
        findings: dict[str, tuple[Finding, ...]] = {}
        broken: set[str] = set()
        for blob, text in self._db.execute("SELECT id, findings FROM blobs WHERE findings IS NOT NULL"):
            if blob not in known:
                continue
            try:
                findings[blob] = _decode(blob, wanted[blob], text)
            except (ValueError, KeyError, TypeError):
                broken.add(blob)
        ids = frozenset(known - broken)
        stats = ScanStats(
            files=files, bytes=size, skipped_binary=binary, skipped_large=large, cached=len(ids)
        )
        return Cached(ids, findings, stats)

    def introduced(self) -> dict[str, list[tuple[str, str]]]:
        """Every remembered commit's (blob id, path) list."""
        found: dict[str, list[tuple[str, str]]] = {}
        for sha, text in self._db.execute("SELECT id, introduced FROM walks"):
            try:
                found[sha] = [(str(blob), str(path)) for blob, path in json.loads(text)]
            except (ValueError, TypeError):
                continue
        return found

    def remember_walk(self, fresh: dict[str, list[tuple[str, str]]]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO walks VALUES (?, ?)",
            ((sha, json.dumps(items, separators=(",", ":"))) for sha, items in fresh.items()),
        )

    def store(self, blob: str, findings: tuple[Finding, ...], stats: ScanStats) -> None:
        row = (blob, stats.files, stats.bytes, stats.skipped_binary, stats.skipped_large, _encode(findings))
        self._db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?, ?, ?, ?)", row)

    def __enter__(self) -> BlobCache:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self._db.commit()
        self._db.close()
