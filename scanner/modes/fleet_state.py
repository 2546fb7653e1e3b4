"""A fleet's state directory (`--state DIR`, default `fleet/` in the user cache):

    DIR/inventory-key                 the fleet's inventory key (never in a report)
    DIR/repos/<slug>/checkpoint.json  the repository's last result, keyed by its refs and the rules
    DIR/repos/<slug>/report.sarif     its last SARIF report (with --sarif-dir)
    WORK/repos/<slug>/mirror.git      its bare mirror (fetched each run; WORK is --worker-state, or DIR)
    WORK/repos/<slug>/cache/          its history cache (scanner.modes.history_cache)

The client owns DIR: it writes each checkpoint as the result arrives, so a run stopped by a crash or
Ctrl-C leaves every finished repository checkpointed and the next run starts where it stopped. The
workers own WORK. A checkpoint holds salted credential ids and redacted previews only; one that does
not read back is ignored (the repository is audited again).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from scanner import jsonio
from scanner.atomic import write_text
from scanner.errors import InputError
from scanner.fleet_model import RESULT_VERSION, Outcome, RefListing, Repo, RepoResult, Sighting
from scanner.model import CommitInfo, ReviewStatus, ScanStats, Severity
from scanner.user_cache import cache_dir

KEY_FILE = "inventory-key"


def default_state_dir() -> Path:
    return cache_dir() / "fleet"


def repo_dir(root: Path, repo: Repo) -> Path:
    return root / "repos" / repo.slug


def mirror_dir(work: Path, repo: Repo) -> Path:
    return repo_dir(work, repo) / "mirror.git"


def history_cache_dir(work: Path, repo: Repo) -> Path:
    return repo_dir(work, repo) / "cache"


def prepare(root: Path) -> None:
    """Creates the state directory, readable by its owner only."""
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        (root / "repos").mkdir(exist_ok=True)
    except OSError as exc:
        raise InputError(f"{root}: cannot create the fleet state directory ({exc.strerror})") from None
    if not root.is_dir():
        raise InputError(f"{root}: the fleet state directory is not a directory")


def load_key(root: Path) -> bytes:
    """The fleet's inventory key: 32 random bytes, created (readable by its owner only) on first use."""
    path = root / KEY_FILE
    try:
        if not path.exists():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another run created it meanwhile: use that one
                pass
            else:
                with os.fdopen(fd, "w", encoding="ascii") as stream:
                    stream.write(os.urandom(32).hex() + "\n")
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text) if len(text) == 64 else b""
    except (OSError, ValueError, UnicodeDecodeError):
        key = b""
    if not key:
        raise InputError(
            f"{path}: not a readable inventory key (64 hexadecimal digits); delete it to make a new one "
            "(credential ids then change, so a previous inventory no longer compares)"
        )
    return key


def checkpoint_key(base: str, listing: RefListing) -> str:
    """What a checkpoint answers: the refs audited, under `base` (rules, settings, the fleet key)."""
    return hashlib.sha256(f"{RESULT_VERSION}\0{base}\0{listing.digest}".encode()).hexdigest()


def _commit(info: CommitInfo | None) -> list[str] | None:
    return None if info is None else [info.sha, info.author, info.date]


def _info(raw: Any) -> CommitInfo | None:
    return None if raw is None else CommitInfo(str(raw[0]), str(raw[1]), str(raw[2]))


def _sighting(raw: dict[str, Any]) -> Sighting:
    return Sighting(
        id=str(raw["id"]),
        rule_id=str(raw["rule_id"]),
        rules=tuple(str(r) for r in raw["rules"]),
        severity=Severity(raw["severity"]),
        preview=str(raw["preview"]),
        first=_info(raw["first"]),
        first_path=str(raw["first_path"]),
        first_line=int(raw["first_line"]),
        last=_info(raw["last"]),
        paths=tuple(str(p) for p in raw["paths"]),
        commits=int(raw["commits"]),
        authors=tuple(str(a) for a in raw["authors"]),
        open=bool(raw["open"]),
        review=ReviewStatus(raw["review"]) if raw["review"] is not None else None,
    )


def to_json(result: RepoResult, sarif: bool) -> str:
    sightings = [
        {
            **{k: v for k, v in asdict(s).items() if k not in ("first", "last", "severity", "review")},
            "first": _commit(s.first),
            "last": _commit(s.last),
            "severity": s.severity.value,
            "review": s.review.value if s.review is not None else None,
        }
        for s in result.sightings
    ]
    listing = result.listing or RefListing(())
    document = {
        "version": RESULT_VERSION,
        "key": result.key,
        "sarif": sarif,
        "refs": [list(ref) for ref in listing.refs],
        "head": listing.head,
        "stats": asdict(result.stats),
        "findings": result.findings,
        "scanned_at": result.scanned_at,
        "seconds": result.seconds,
        "baseline": result.baseline,
        "notes": list(result.notes),
        "sightings": sightings,
    }
    return json.dumps(document, sort_keys=True, indent=1) + "\n"


def from_json(text: str, repo: Repo) -> tuple[RepoResult, bool]:
    """The checkpointed result (and whether a SARIF report was kept with it). Raises ValueError,
    TypeError or KeyError for anything that does not read back whole."""
    data = jsonio.loads(text)
    if data["version"] != RESULT_VERSION:
        raise ValueError("another version")
    listing = RefListing(tuple((str(n), str(t)) for n, t in data["refs"]), data["head"])
    result = RepoResult(
        repo=repo,
        outcome=Outcome.UNCHANGED,
        listing=listing,
        key=str(data["key"]),
        stats=ScanStats(**{k: int(v) for k, v in data["stats"].items()}),
        findings=int(data["findings"]),
        sightings=tuple(_sighting(raw) for raw in data["sightings"]),
        scanned_at=str(data["scanned_at"]),
        seconds=float(data["seconds"]),
        baseline=bool(data["baseline"]),
        notes=tuple(str(n) for n in data["notes"]),
    )
    return result, bool(data["sarif"])


class Checkpoints:
    """The checkpoints under a state directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def load(self, repo: Repo) -> tuple[RepoResult, bool] | None:
        path = repo_dir(self.root, repo) / "checkpoint.json"
        try:
            return from_json(path.read_text(encoding="utf-8"), repo)
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            return None

    def sarif_path(self, repo: Repo) -> Path:
        return repo_dir(self.root, repo) / "report.sarif"

    def save(self, result: RepoResult, sarif: str | None) -> None:
        """Writes the result (and its SARIF report) as the repository's checkpoint. A failure to write
        costs the next run a scan of this repository, nothing else: raises OSError for the caller to warn."""
        directory = repo_dir(self.root, result.repo)
        directory.mkdir(parents=True, exist_ok=True)
        if sarif is not None:
            write_text(self.sarif_path(result.repo), sarif)
        write_text(directory / "checkpoint.json", to_json(replace(result, report=None), sarif is not None))


def key_id(key: bytes) -> str:
    """Which key a report's ids are under, without revealing it."""
    return hmac.new(key, b"spillguard-inventory-key-id-v1", hashlib.sha256).hexdigest()[:16]
