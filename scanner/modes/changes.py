"""What the staged and range modes share: each changed file (scanner.sources.changes) through the
per-file step, the blob's whole text read for the file rules only when one of them needs it."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from scanner.modes.file_step import FileStep, Tally
from scanner.sources.changes import ChangedFile
from scanner.sources.git import Repository, blob_text


def scan_changes(repo: Repository, changes: Iterable[ChangedFile], step: FileStep, tally: Tally) -> None:
    max_size = step.policy.max_file_size
    for change in changes:
        content = None if change.blob is None else partial(blob_text, repo, change.blob, max_size)
        tally.add(step.scan(change.read, change.path, change.commit, change.blob, change.appears, content))
