"""Scanning what a history audit's walk finds: each blob handed to the pool as soon as the walk reads
where it was introduced (a batch at a time), the results gathered in order once the walk is done, each
blob's findings placed at every commit and path that introduced it, then every commit message."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from types import TracebackType

from scanner.feed import Feed
from scanner.model import Chunk, Finding, Notice, ScanStats
from scanner.modes.file_step import FileStep
from scanner.modes.history_blobs import BATCH_BLOBS, BlobResult, BlobState, Item, place, scan_blobs
from scanner.modes.history_cache import BlobCache
from scanner.modes.history_lines import LineMemo
from scanner.modes.history_snapshot import Snapshot
from scanner.sources.git import MESSAGE_PATH, Reopened, Repository, git_dir, missing_object_error
from scanner.sources.history_walk import HistoryIndex

CHECKPOINT_SECONDS = 5.0  # how often the history cache is committed during an audit

Progress = Callable[[int, int], None]  # (blobs done, bytes done) increments


@dataclass(frozen=True)
class AuditContext:
    """What stays the same through one audit."""

    repo: Repository
    step: FileStep
    jobs: int
    skip_errors: bool
    progress: Progress | None
    on_total: Callable[[int], None] | None
    line_memo: bool = True  # False: every blob scanned whole (the reference the memo is tested against)


@dataclass
class Scanned:
    """What scanning an index gave: findings and notices to report, and, for the next audit's snapshot,
    the counts of the clean blobs and which blobs and messages were not clean."""

    stats: ScanStats
    clean: ScanStats
    findings: list[Finding] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    dirty_blobs: set[str] = field(default_factory=set)
    dirty_messages: set[str] = field(default_factory=set)
    complete: bool = True  # no object was unreadable (its notice would not be in a snapshot)
    lines: dict[str, tuple[int, ...]] = field(default_factory=dict)  # dirty blobs' finding lines

    def snapshot(self, index: HistoryIndex, at_head: set[str]) -> Snapshot:
        dirty = tuple((b, tuple(places)) for b, places in index.occurrences.items() if b in self.dirty_blobs)
        removed = tuple((b, tuple(index.removals[b])) for b, _ in dirty if b in index.removals)
        cited = {commit for _, places in dirty + removed for commit, _ in places} | self.dirty_messages
        return Snapshot(
            clean=self.clean,
            dirty=dirty,
            messages=tuple(sha for sha, _ in index.messages if sha in self.dirty_messages),
            commits=tuple(sorted((index.order[sha], index.commits[sha]) for sha in cited)),
            at_head=tuple(blob for blob, _ in dirty if blob in at_head),
            removed=removed,
            lines=tuple((blob, self.lines[blob]) for blob, _ in dirty if blob in self.lines),
        )


class Lanes:
    """Which worker reads the blobs of each path: all the versions of one file go to one worker, whose
    line memo holds the lines they share; a path seen for the first time goes to the lane given the
    fewest blobs so far."""

    def __init__(self, count: int) -> None:
        self._of: dict[str, int] = {}
        self._load = [0] * count

    def of(self, path: str) -> int:
        lane = self._of.get(path)
        if lane is None:
            lane = self._of[path] = self._load.index(min(self._load))
        self._load[lane] += 1
        return lane


class BlobFeed:
    """Takes each introduction the walk reads (`offer`), and hands every blob not seen before, not known
    clean (`skip`) and at a path that is not allowlisted, to the pool in batches, one lane of batches
    per worker (`Lanes`): the first place it was introduced at such a path is where it is read and
    scanned. The rule index is prepared and the line memo made at the first such blob, before any
    worker is forked, so workers inherit both."""

    def __init__(
        self,
        context: AuditContext,
        skip: Container[str],
        only: Mapping[str, tuple[int, ...]] | None = None,
        lines: bool = False,
    ) -> None:
        self.context = context
        self._skip = skip
        self._only = only or {}  # blobs to look at on these lines alone (BlobState.only)
        self._lines = lines  # work out the finding lines of the blobs (for a snapshot)
        self._taken: set[str] = set()
        lanes = max(1, context.jobs)
        self._batches: list[list[Item]] = [[] for _ in range(lanes)]
        self._lanes = Lanes(lanes)
        self._feed: Feed[list[Item], tuple[ScanStats, list[BlobResult]]] | None = None

    def offer(self, blob: str, commit: str, path: str) -> None:
        if blob in self._taken or blob in self._skip or self.context.step.allowlisted(path):
            return
        self._taken.add(blob)
        lane = self._lanes.of(path)
        self._batches[lane].append((blob, path, commit))
        if len(self._batches[lane]) == BATCH_BLOBS:
            self._hand_over(lane)

    def _hand_over(self, lane: int) -> None:
        if self._feed is None:
            context = self.context
            context.step.prepare()
            memo = LineMemo(context.step) if context.line_memo else None
            state = BlobState(Reopened(git_dir(context.repo)), context.step, memo, self._only, self._lines)
            self._feed = Feed(scan_blobs, state, context.jobs)
        self._feed.submit(self._batches[lane], lane)
        self._batches[lane] = []

    def __enter__(self) -> BlobFeed:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._feed is not None:
            self._feed.__exit__(kind, error, trace)

    def collect(self, index: HistoryIndex, cache: BlobCache | None, clean: ScanStats) -> Scanned:
        """The results of every blob handed over (the walk is done), and of every commit message the
        cache does not know to be clean, scanned here while the workers finish. `clean`: the counts of
        the blobs skipped as known clean."""
        context, step = self.context, self.context.step
        for lane, waiting in enumerate(self._batches):
            if waiting:
                self._hand_over(lane)
        if self._feed is not None:
            self._feed.finish()  # (a worker done with its lanes may take another's from now on)
        if context.on_total is not None:
            context.on_total(len(self._taken))
        scanned = Scanned(stats=clean, clean=clean)
        # the messages first: here, while the workers finish the blobs
        clean_messages = cache.clean_messages() if cache is not None else set()
        messages = _message_findings(index, step, cache, clean_messages)
        checkpoint = time.monotonic()
        for batch_stats, batch in self._feed.results() if self._feed is not None else ():
            if batch_stats.skipped_unreadable and not context.skip_errors:
                broken_blob = next(r for r in batch if r.stats.skipped_unreadable)
                raise missing_object_error(context.repo, broken_blob.notices[0].message)
            scanned.stats += batch_stats
            if batch_stats.skipped_unreadable:  # its notice is in no snapshot: none is written
                scanned.complete = False
            recorded: list[ScanStats] = []  # the counts of the clean blobs
            for result in batch:
                if _gather(scanned, result, index, step, cache):
                    recorded.append(result.stats)
                if context.progress is not None:
                    context.progress(1, result.stats.bytes)
            if recorded:
                scanned.clean += ScanStats.total(recorded, cached=len(recorded))
            if cache is not None and time.monotonic() - checkpoint > CHECKPOINT_SECONDS:
                cache.checkpoint()
                checkpoint = time.monotonic()
        scanned.dirty_messages.update(f.location.commit for f in messages if f.location.commit)
        scanned.findings.extend(messages)
        return scanned


def _gather(
    scanned: Scanned, result: BlobResult, index: HistoryIndex, step: FileStep, cache: BlobCache | None
) -> bool:
    """Adds a blob's findings and notices; whether it was clean and recorded so in the cache (its counts
    are then the caller's to add to what the next snapshot records)."""
    scanned.notices.extend(result.notices)
    if result.findings:
        scanned.findings.extend(place(result.findings, index.occurrences[result.blob], step))
    if result.notices or result.findings:
        scanned.dirty_blobs.add(result.blob)
        if result.lines is not None:
            scanned.lines[result.blob] = result.lines
        return False
    if cache is None:
        return False
    cache.store_clean(result.blob, result.stats)
    return True


def _message_findings(
    index: HistoryIndex, step: FileStep, cache: BlobCache | None, clean: set[str]
) -> list[Finding]:
    """Findings in every commit message but those in `clean`, known from the cache to hold none under
    the same rules (with no new commit and no finding, a repeated audit never builds the prefilter).
    One prefilter pass over all of them picks those holding a keyword: only they can hold a finding."""
    findings: list[Finding] = []
    pending = [(sha, message) for sha, message in index.messages if sha not in clean]
    worth = _with_keywords(step, [message for _, message in pending])
    for number, (sha, message) in enumerate(pending):
        found: tuple[Finding, ...] = ()
        if number in worth:
            found = step.chunks((Chunk(path=MESSAGE_PATH, text=message, commit=sha),)).findings
        if cache is not None and not found:
            cache.store_clean_message(sha)
        findings.extend(found)
    return findings


_SEPARATOR = "\n\x00\n"  # in no keyword: no hit spans two messages


def _with_keywords(step: FileStep, texts: list[str]) -> set[int]:
    """The indices of `texts` holding a keyword hit, from one prefilter pass over them all (a text
    without one holds no match of any rule, nor any encoded value to look into)."""
    if not texts:
        return set()
    step.prepare()
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + len(_SEPARATOR)
    return {
        bisect.bisect_right(starts, start) - 1
        for start, _ in step.ruleset.prefilter.hits(_SEPARATOR.join(texts))
    }
