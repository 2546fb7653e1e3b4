"""The fleet's progress bar on stderr: repositories done of the total, credentials found so far,
failures. Drawn only on a terminal and never with --quiet (tqdm is imported only then); it shows
counts and never a repository's content."""

from __future__ import annotations

from typing import Any

from scanner.fleet_model import RepoResult


class FleetBar:
    def __init__(self, bar: Any) -> None:
        self._bar = bar
        self._credentials = 0
        self._failed = 0

    @classmethod
    def open(cls, stream: Any) -> FleetBar:
        from tqdm import tqdm

        return cls(tqdm(total=None, unit="repo", desc="listing refs", file=stream, leave=False))

    def total(self, repos: int) -> None:
        self._bar.reset(total=repos)

    def result(self, result: RepoResult) -> None:
        self._bar.set_description("auditing", refresh=False)
        self._credentials += len(result.credentials)
        self._failed += result.failed
        self._bar.set_postfix_str(f"{self._credentials} credentials, {self._failed} failed", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.refresh()
        self._bar.close()
