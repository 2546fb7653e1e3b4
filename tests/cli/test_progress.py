"""The history progress bar: commits while walking, then blobs against their total with the commits
walked and the megabytes scanned; a history answered from the cache's snapshot walks no commit."""

from __future__ import annotations

import io

from scanner.cli.progress import HistoryBar


def test_bar_counts_commits_then_blobs_and_bytes() -> None:
    stream = io.StringIO()
    with HistoryBar(stream) as bar:
        for _ in range(3):
            bar.commit()
        bar.total(10)
        for _ in range(10):
            bar.scanned(1, 250_000)
    shown = stream.getvalue()
    assert "walking history" in shown and "commit" in shown
    assert "scanning history" in shown and "0/10" in shown and "10/10" in shown
    assert "3 commits walked, 0.0 MB scanned" in shown and "3 commits walked, 2.5 MB scanned" in shown


def test_unchanged_history_walks_no_commit() -> None:
    stream = io.StringIO()
    with HistoryBar(stream) as bar:
        bar.total(2)
        bar.scanned(2, 2_000_000)
    shown = stream.getvalue()
    assert "0 commits walked, 2.0 MB scanned" in shown and "walking history" in shown
