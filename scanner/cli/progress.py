"""The history audit's progress bar on stderr: commits walked, then blobs and bytes scanned. Drawn only
on a terminal and never with --quiet (tqdm is imported only then); it shows counts, never content."""

from __future__ import annotations

from typing import Any


class HistoryBar:
    """Wraps one tqdm bar: it counts commits while the history is walked, then blobs against their
    total, with the commits walked and the megabytes scanned after it."""

    def __init__(self, stream: Any) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=None, unit="commit", desc="walking history", file=stream, leave=False)
        self._commits = 0
        self._bytes = 0

    def __enter__(self) -> HistoryBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.refresh()  # the final counts, then the line is cleared
        self._bar.close()

    def commit(self) -> None:
        self._commits += 1
        self._bar.update(1)

    def total(self, blobs: int) -> None:
        self._bar.unit = "blob"
        self._bar.set_description("scanning history", refresh=False)
        self._postfix(refresh=False)
        self._bar.reset(total=blobs)  # drawn now

    def scanned(self, blobs: int, size: int) -> None:
        self._bytes += size
        self._postfix(refresh=False)  # drawn by update, at most every tqdm interval
        self._bar.update(blobs)

    def _postfix(self, refresh: bool) -> None:
        # no commit walked: the refs had not moved since the last audit (or there is no commit)
        text = f"{self._commits} commits walked, {self._bytes / 1e6:.1f} MB scanned"
        self._bar.set_postfix_str(text, refresh=refresh)
