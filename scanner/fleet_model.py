"""Records of a fleet audit (`spillguard fleet scan`): the repositories of a fleet, what a ref listing
says of each, and the compact per-repository result a worker sends back to the client (scanner.modes
.fleet_task builds it, scanner.modes.fleet collects it, scanner.fleet_join joins the fleet's results
into one credential inventory, scanner.inventory_model).

A result is small and picklable on purpose: it travels from a Dask worker to the client and is kept
as the repository's checkpoint in the state directory (scanner.fleet_codec). It holds the repository's
credentials (scanner.inventory_model.Credential), no secret and no unsalted hash of one: ids are HMACs
of secret hashes under the fleet's inventory key, computed on the worker; previews are redacted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum

from scanner.inventory_model import Credential
from scanner.model import Report, ScanStats

RESULT_VERSION = 1  # of the checkpoint's JSON (scanner.modes.fleet_state) and of what it is keyed by


class Outcome(str, Enum):
    SCANNED = "scanned"  # audited in this run
    UNCHANGED = "unchanged"  # same refs and rules as its checkpoint: taken from there, not scanned
    FAILED = "failed"  # could not be listed, cloned, fetched or read: `reason` says why


@dataclass(frozen=True)
class Repo:
    """One repository of the fleet."""

    name: str  # shown in reports: host/path of a URL (never its credentials), or the local path
    source: str  # what git clones or fetches (a URL), or the local repository's absolute path
    slug: str  # its directory under the state directory: readable, and unique per source
    local: bool = False  # a repository on this file system, audited in place (no mirror)


@dataclass(frozen=True)
class RefListing:
    """The refs an audit walks, as `git ls-remote` (or, in place, the repository) lists them: what an
    unchanged repository is recognised by."""

    refs: tuple[tuple[str, str], ...]  # (ref name, object id), sorted by name
    head: str | None = None  # the ref HEAD points to, when it is symbolic

    @property
    def digest(self) -> str:
        lines = [f"HEAD {self.head or ''}"] + [f"{name} {target}" for name, target in self.refs]
        return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class RepoResult:
    """What auditing one repository gave, or why it could not be audited."""

    repo: Repo
    outcome: Outcome
    reason: str | None = None  # a failure's cause, one line
    listing: RefListing | None = None  # the refs audited
    key: str | None = None  # the checkpoint key (refs, rules, fleet key) this result answers
    stats: ScanStats = field(default_factory=ScanStats)
    findings: int = 0
    # its credential inventory (scanner.credentials), ids keyed by the fleet's key, as of `scanned_at`
    credentials: tuple[Credential, ...] = ()
    tips: tuple[tuple[str, str], ...] = ()  # (ref, commit) of every tip its inventory looked at
    gaps: tuple[str, ...] = ()  # what its audit could not read
    scanned_at: str | None = None  # ISO 8601 UTC of the audit that produced it
    seconds: float = 0.0  # the task's own time on its worker
    worker: str = ""  # which worker process ran it (host:pid)
    peak_rss: int = 0  # that worker process's peak resident memory, in bytes
    baseline: bool = False  # review statuses came from the repository's committed baseline
    notes: tuple[str, ...] = ()  # warnings met on the way (a history cache not written, a bad baseline)
    report: Report | None = None  # with --sarif-dir: the report, rules stripped, no secret hash
    gone: frozenset[str] = frozenset()  # with --sarif-dir: fingerprints of findings HEAD no longer holds

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAILED


@dataclass
class Timings:
    """Where a fleet run's time went, in seconds."""

    listing: float = 0.0  # listing every repository's refs
    cluster: float = 0.0  # starting the LocalCluster, or connecting to the scheduler
    tasks: float = 0.0  # first submission to last result
    total: float = 0.0
    workers: int = 0  # how many workers the cluster had (0: none was started)
