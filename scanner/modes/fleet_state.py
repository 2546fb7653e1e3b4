"""A fleet's state directory (`--state DIR`, default `fleet/` in the user cache):

    DIR/inventory-key                 the fleet's inventory key (scanner.inventory_key; never in a report)
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
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from scanner.atomic import write_text
from scanner.errors import InputError
from scanner.fleet_codec import from_json, to_json
from scanner.fleet_model import RESULT_VERSION, RefListing, Repo, RepoResult
from scanner.model import Rule
from scanner.user_cache import cache_dir


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


def sarif_path(root: Path, repo: Repo) -> Path:
    return repo_dir(root, repo) / "report.sarif"


def checkpoint_key(base: str, listing: RefListing) -> str:
    """What a checkpoint answers: the refs audited, under `base` (rules, settings, the fleet key)."""
    return hashlib.sha256(f"{RESULT_VERSION}\0{base}\0{listing.digest}".encode()).hexdigest()


class Checkpoints:
    """The checkpoints under a state directory, read under the rule set `rules`."""

    def __init__(self, root: Path, rules: Mapping[str, Rule]) -> None:
        self.root = root
        self.rules = rules

    def load(self, repo: Repo) -> tuple[RepoResult, str | None] | None:
        path = repo_dir(self.root, repo) / "checkpoint.json"
        try:
            return from_json(path.read_text(encoding="utf-8"), repo, self.rules)
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            return None

    def save(self, result: RepoResult, sarif: str | None, variant: str | None = None) -> None:
        """Writes the result (and its SARIF report) as the repository's checkpoint. A failure to write
        costs the next run a scan of this repository, nothing else: raises OSError for the caller to warn."""
        directory = repo_dir(self.root, result.repo)
        directory.mkdir(parents=True, exist_ok=True)
        if sarif is not None:
            write_text(sarif_path(self.root, result.repo), sarif)
        kept = variant if sarif is not None else None
        write_text(directory / "checkpoint.json", to_json(replace(result, report=None), kept))
