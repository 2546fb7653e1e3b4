"""Incremental history audits: which blob ids and commit messages were scanned under which rule set
and held no finding.

A SQLite file under the cache directory. Its rule-set key covers the spillguard version, the fingerprint
algorithm, every rule and the policy settings that change findings, so any change there invalidates it.
A cache that cannot be read is discarded with a warning and rebuilt, never trusted.

Only clean results are stored: a blob or message in which a rule fired is scanned again on every audit.
So the cache holds nothing derived from a secret, not even a hash (a hash of a short password can be
reversed by guessing), at the cost of re-reading the few blobs that hold findings. It lives inside
`.git/` by default, so it is never committed.

Each complete audit also leaves a snapshot keyed by the state of the references it walked: the counts
of its clean blobs, and where its other blobs and messages sit in history (and were removed). An audit
of the same state walks nothing: it scans those few blobs and messages again and takes the rest from the
snapshot. An inventory also keeps, per ref state, what the ref tips hold of those blobs (its tip view,
scanner.trail), so a repeated inventory asks the repository nothing more than a cached audit does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from scanner import __version__, jsonio
from scanner.engine import context_model
from scanner.fingerprint import FINGERPRINT_ALGORITHM
from scanner.model import Policy, Rule, ScanStats
from scanner.modes.history_snapshot import Snapshot, view_from_json, view_to_json
from scanner.rule import rules_repr, tuple_repr
from scanner.sources.history_log import Changes
from scanner.trail import TipView

_COMPACT = json.JSONEncoder(separators=(",", ":"))  # stateless: what json.dumps(..., separators=...) builds

__all__ = ["CACHE_FILE", "KEEP_SNAPSHOTS", "BlobCache", "Cached", "Snapshot", "ruleset_key"]

# v8: v7 (nothing derived from a secret, audit snapshots) and removal events (each walked commit's
# removed blobs, the snapshot's removals of its dirty blobs) and the inventory's tip views
CACHE_FILE = "history-v8.sqlite"
KEEP_SNAPSHOTS = 8  # the latest audits' ref states (different --branch sets, or refs moved back)


_COLUMNS = {
    "meta": ("name", "value"),
    "blobs": ("id", "files", "bytes", "binary", "large"),
    "walks": ("id", "introduced", "removed"),
    "messages": ("id",),
    "audits": ("state", "snapshot"),
    "tip_views": ("state", "trail", "view"),
}


def ruleset_key(rules: tuple[Rule, ...], policy: Policy) -> str:
    parts = (
        repr(__version__),
        repr(FINGERPRINT_ALGORITHM),
        rules_repr(sorted(rules, key=lambda r: r.id), as_list=True),
        repr(context_model.BIAS),  # what context-scored rules report changes with the model's weights
        repr(sorted(context_model.WEIGHTS.items())),
        repr(policy.allowlist),
        repr(policy.max_file_size),
    )
    material = tuple_repr(parts)
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Cached:
    """What the cache knows of the blobs asked about: the ids of those scanned clean before, and their
    scan counts added up."""

    ids: frozenset[str]
    stats: ScanStats


BUSY_SECONDS = 10.0  # how long to wait for another audit's write to the same cache
_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (and their extended codes, in the low byte)


def _busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.OperationalError) and (
        (code is not None and (code & 0xFF) in _BUSY_CODES) or "locked" in str(exc)
    )


class BlobCache:
    """Open with `BlobCache.open`; use as a context manager so results are committed.

    Writes are queued and written in one short transaction at each checkpoint and at the end, so
    two audits can share a cache: neither holds its lock while scanning. A write that still fails
    (the other audit holds the lock for longer than BUSY_SECONDS, a full disk) is a warning, never
    an error: the audit's results stand, they are only not recorded."""

    def __init__(self, connection: sqlite3.Connection, warn: Callable[[str], None]) -> None:
        self._db = connection
        self._warn = warn
        self._pending: list[tuple[str, list[tuple[object, ...]]]] = []
        self._writable = True

    @classmethod
    def open(cls, directory: Path, key: str, warn: Callable[[str], None]) -> BlobCache | None:
        """The cache in `directory` for rule-set `key`; None (with a warning) when another audit
        holds it locked, so this audit runs without it."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / CACHE_FILE
        try:
            return cls._connect(path, key, warn)
        except sqlite3.Error as exc:
            if _busy(exc):
                warn(f"{path}: cache is in use by another audit; this audit runs without it")
                return None
        warn(f"{path}: cache is unreadable; discarding it and scanning every blob")
        path.unlink(missing_ok=True)
        return cls._connect(path, key, warn)

    @classmethod
    def _connect(cls, path: Path, key: str, warn: Callable[[str], None]) -> BlobCache:
        db = sqlite3.connect(path, timeout=BUSY_SECONDS)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, files INTEGER NOT NULL, "
                "bytes INTEGER NOT NULL, binary INTEGER NOT NULL, large INTEGER NOT NULL)"
            )
            # what each commit introduced and removed, by walk key: independent of the rules, so kept
            # when they change
            db.execute(
                "CREATE TABLE IF NOT EXISTS walks (id TEXT PRIMARY KEY, introduced TEXT NOT NULL, "
                "removed TEXT NOT NULL)"
            )
            # commits whose message was scanned and held no finding
            db.execute("CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY)")
            # the latest complete audits, by ref state (rowid orders them)
            db.execute("CREATE TABLE IF NOT EXISTS audits (state TEXT PRIMARY KEY, snapshot TEXT NOT NULL)")
            # what the ref tips of a state hold of the blobs with findings (their trail), by state
            db.execute(
                "CREATE TABLE IF NOT EXISTS tip_views (state TEXT PRIMARY KEY, trail TEXT NOT NULL, "
                "view TEXT NOT NULL)"
            )
            for table, columns in _COLUMNS.items():  # a file of another layout is not this cache
                found = tuple(row[1] for row in db.execute(f"PRAGMA table_info({table})"))
                if found != columns:
                    raise sqlite3.DatabaseError(f"table {table} has columns {found}")
            row = db.execute("SELECT value FROM meta WHERE name = 'ruleset'").fetchone()
            if row is None or row[0] != key:
                db.execute("DELETE FROM blobs")
                db.execute("DELETE FROM messages")
                db.execute("DELETE FROM audits")
                db.execute("DELETE FROM tip_views")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('ruleset', ?)", (key,))
            db.execute("PRAGMA quick_check").fetchone()
            db.commit()
        except BaseException:
            db.close()
            raise
        return cls(db, warn)

    def lookup(self, blobs: Iterable[str]) -> Cached:
        """Which of `blobs` were scanned clean before. The cache belongs to one repository, so it
        usually holds exactly the blobs asked about: SQLite then adds the counts up over the whole
        table."""
        wanted = set(blobs)
        stored = {row[0] for row in self._db.execute("SELECT id FROM blobs").fetchall()}
        known = stored & wanted
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
        stats = ScanStats(
            files=files, bytes=size, skipped_binary=binary, skipped_large=large, cached=len(known)
        )
        return Cached(frozenset(known), stats)

    def clean_ids(self) -> set[str]:
        """Every blob id recorded as scanned clean under these rules."""
        return {row[0] for row in self._db.execute("SELECT id FROM blobs")}

    def walked(self) -> dict[str, Changes]:
        """Every remembered commit's introduced and removed (blob id, path) lists, by walk key (commit,
        tree and parents)."""
        found: dict[str, Changes] = {}
        for sha, introduced, removed in self._db.execute("SELECT id, introduced, removed FROM walks"):
            try:
                found[sha] = (
                    [(str(blob), str(path)) for blob, path in jsonio.loads(introduced)],
                    [(str(blob), str(path)) for blob, path in jsonio.loads(removed)],
                )
            except (ValueError, TypeError):
                continue
        return found

    def remember_walk(self, fresh: dict[str, Changes]) -> None:
        encode = _COMPACT.encode  # one encoder for every list (json.dumps with options builds one a call)
        for key, (introduced, removed) in fresh.items():
            self._write(
                "INSERT OR REPLACE INTO walks VALUES (?, ?, ?)", (key, encode(introduced), encode(removed))
            )

    def clean_messages(self) -> set[str]:
        """Commits whose message was scanned before and held no finding."""
        return {row[0] for row in self._db.execute("SELECT id FROM messages")}

    def store_clean_message(self, commit: str) -> None:
        self._write("INSERT OR REPLACE INTO messages VALUES (?)", (commit,))

    def store_clean(self, blob: str, stats: ScanStats) -> None:
        """Records a blob scanned without a finding (blobs with findings are never stored)."""
        row = (blob, stats.files, stats.bytes, stats.skipped_binary, stats.skipped_large)
        self._write("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?, ?, ?)", row)

    def snapshot(self, state: str) -> Snapshot | None:
        """The snapshot of an audit of `state` under the same rules, if one was stored and reads back
        whole (one that does not is ignored: the audit then walks the history)."""
        row = self._db.execute("SELECT snapshot FROM audits WHERE state = ?", (state,)).fetchone()
        if row is None:
            return None
        try:
            return Snapshot.from_json(str(row[0]))
        except (ValueError, TypeError, KeyError):
            return None

    def store_snapshot(self, state: str, snapshot: Snapshot) -> None:
        self._write("DELETE FROM audits WHERE state = ?", (state,))
        self._write("INSERT INTO audits VALUES (?, ?)", (state, snapshot.to_json()))
        self._write(
            "DELETE FROM audits WHERE rowid NOT IN (SELECT rowid FROM audits ORDER BY rowid DESC LIMIT ?)",
            (KEEP_SNAPSHOTS,),
        )

    @staticmethod
    def holds_snapshot(directory: Path, state: str) -> bool:
        """Whether the cache in `directory` holds a snapshot of `state`, under whichever rules: read
        only, without waiting for a lock; False on any error (the CLI's cue not to sort commits ahead)."""
        try:
            uri = f"{(directory / CACHE_FILE).resolve().as_uri()}?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=0)) as db:
                return db.execute("SELECT 1 FROM audits WHERE state = ?", (state,)).fetchone() is not None
        except sqlite3.Error:
            return False

    def tip_view(self, state: str, trail: str) -> TipView | None:
        """The tip view stored for `state` and trail key `trail`, if it reads back whole."""
        row = self._db.execute("SELECT trail, view FROM tip_views WHERE state = ?", (state,)).fetchone()
        if row is None or row[0] != trail:
            return None
        try:
            return view_from_json(str(row[1]))
        except (ValueError, TypeError, KeyError):
            return None

    def store_tip_view(self, state: str, trail: str, view: TipView) -> None:
        self._write("DELETE FROM tip_views WHERE state = ?", (state,))
        self._write("INSERT INTO tip_views VALUES (?, ?, ?)", (state, trail, view_to_json(view)))
        self._write(
            "DELETE FROM tip_views WHERE rowid NOT IN "
            "(SELECT rowid FROM tip_views ORDER BY rowid DESC LIMIT ?)",
            (KEEP_SNAPSHOTS,),
        )

    def _write(self, statement: str, row: tuple[object, ...]) -> None:
        if self._pending and self._pending[-1][0] == statement:
            self._pending[-1][1].append(row)
        else:
            self._pending.append((statement, [row]))

    def checkpoint(self) -> None:
        """Writes what is queued so far, in one transaction: an interrupted audit keeps the blobs it
        finished (each row is a whole blob's result, so a partial cache is still a valid one)."""
        pending, self._pending = self._pending, []
        if not pending or not self._writable:
            return
        try:
            with self._db:
                for statement, rows in pending:
                    self._db.executemany(statement, rows)
        except sqlite3.Error as exc:
            self._writable = False
            reason = "another audit holds it" if _busy(exc) else f"{type(exc).__name__}: {exc}"
            self._warn(f"history cache not written ({reason}); this audit's results are not recorded")

    def __enter__(self) -> BlobCache:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.checkpoint()
        self._db.close()
