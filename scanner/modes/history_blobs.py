"""The history audit's blobs: which to read (each unique blob once, at a path it had that is not
allowlisted), reading and scanning them in batches in pool workers, and what their findings become in
the report (placed at every commit and path that introduced the blob, grouped per secret)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from scanner.fingerprint import fingerprint
from scanner.model import Finding, Notice, ScanStats, SecretGroup
from scanner.modes.file_step import FileStep, Scanned
from scanner.modes.history_lines import LineMemo
from scanner.sources.git import BlobText, Reopened, read_blob_text
from scanner.sources.history_walk import HistoryIndex
from scanner.sources.reader import ReadResult
from scanner.sources.text import UTF8

BATCH_BLOBS = 64

Item = tuple[str, str, str]  # (blob id, a path it had, a commit that introduced it there)


@dataclass(frozen=True)
class BlobResult:
    blob: str
    findings: tuple[Finding, ...]
    stats: ScanStats
    notices: tuple[Notice, ...] = ()
    # the lines (1-based) holding its findings, when those lines alone give them (`_finding_lines`):
    # all a repeated audit needs to look at again (`BlobState.only`)
    lines: tuple[int, ...] | None = None


@dataclass(frozen=True)
class BlobState:
    """What a worker scans blobs with: the repository, the per-file step, and the line memo (None: each
    blob scanned whole), which each worker process keeps for itself across batches. `only`: blobs whose
    findings an earlier audit of the same rules found on these lines alone; every other line of theirs
    is emptied before the scan (scanner.modes.history_snapshot)."""

    repo: Reopened  # opened once in each process that reads from it
    step: FileStep
    memo: LineMemo | None
    only: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    lines: bool = False  # work out each blob's finding lines (`BlobResult.lines`), for a snapshot


def blank_except(data: bytes, lines: tuple[int, ...]) -> bytes:
    """`data` with every line but `lines` (1-based) emptied, its line breaks kept: the same line
    numbers, the kept lines unchanged and still first or last where they were. The kept lines are
    found by counting line breaks a block at a time, one pass over the text (a blob's finding lines
    are few, and splitting a large blob into all of its lines costs more than reading it)."""
    parts: list[bytes] = []
    start, line = 0, 1  # where line `line` starts
    for number in sorted({number for number in lines if number > 0}):
        found = _line_start(data, start, number - line)
        if found < 0:
            break  # past the last line
        start, end = found, data.find(b"\n", found)
        parts += (b"\n" * (number - line), data[start : len(data) if end < 0 else end])
        line = number
    parts.append(b"\n" * data.count(b"\n", start))  # the line breaks from the last kept line's on
    return b"".join(parts)


_BLOCK = 1 << 13  # bytes whose line breaks `_line_start` counts at a time


def _line_start(data: bytes, start: int, ahead: int) -> int:
    """Where the line `ahead` lines below the one starting at `start` starts; -1 when the text has
    fewer lines."""
    while ahead:
        end = start + _BLOCK
        inside = data.count(b"\n", start, end)
        if inside >= ahead:
            break
        if end >= len(data):
            return -1
        ahead, start = ahead - inside, end
    for _ in range(ahead):
        start = data.find(b"\n", start) + 1
    return start


def _finding_lines(
    scanned: Scanned, got: BlobText, path: str, blob: str, step: FileStep
) -> tuple[int, ...] | None:
    """The lines of a UTF-8 blob's findings when a repeated audit can look at those alone: with no
    notice (a timed-out rule looked at all of it), and found from its lines alone (the memo tells),
    or else the blob with every other line emptied, scanned whole, gives the same findings (the memo
    gives what a whole scan gives, so the repeated audit will find them again there)."""
    if scanned.notices or not scanned.findings or got.encoding != UTF8:
        return None
    held = tuple(
        sorted({n for f in scanned.findings for n in range(f.location.line, f.location.end_line + 1)})
    )
    if scanned.from_lines:
        return held
    reduced = BlobText(blank_except(got.data, held), got.encoding)
    again = step.scan(reduced.read(path, blob), path, blob=blob)
    return held if again.findings == scanned.findings and not again.notices else None


def _result(
    blob: str, scanned: Scanned, lines: tuple[int, ...] | None = None, size: int | None = None
) -> BlobResult:
    """The blob's result; `size`: what its counts report, when what was scanned was reduced."""
    stats = scanned.stats if size is None else replace(scanned.stats, bytes=size)
    return BlobResult(blob, scanned.findings, stats, scanned.notices, lines)


def scan_blobs(batch: list[Item], state: BlobState) -> tuple[ScanStats, list[BlobResult]]:
    """Worker task: read and scan each blob of the batch (its size is read from the object header
    first, so a blob over the limit is never read); through the line memo, what it can split. An
    unreadable blob is not scanned: its result holds the notice naming it. The batch's counts are
    added up here, in the worker."""
    step = state.step
    repo = state.repo.repository()
    read: list[BlobText | ReadResult] = [
        read_blob_text(repo, blob, path, step.policy.max_file_size, commit) for blob, path, commit in batch
    ]
    sizes: dict[int, int] = {}  # the blobs blanked: their size (what their counts report)
    if state.only:
        for n, (blob, _path, _commit) in enumerate(batch):
            got, lines = read[n], state.only.get(blob)
            if lines is not None and isinstance(got, BlobText) and got.encoding == UTF8:
                read[n], sizes[n] = BlobText(blank_except(got.data, lines), got.encoding), len(got.data)
    texts = [(b, p, r) for (b, p, _), r in zip(batch, read, strict=True) if isinstance(r, BlobText)]
    split = iter(state.memo.scan(texts) if state.memo is not None else [None] * len(texts))
    results = []
    for n, ((blob, path, _commit), got) in enumerate(zip(batch, read, strict=True)):
        if isinstance(got, ReadResult) and got.notice is not None:  # unreadable (the notice names it)
            results.append(BlobResult(blob, (), got.stats, (got.notice,)))
            continue
        if isinstance(got, ReadResult):  # binary or too large: the file rules still see its path
            results.append(_result(blob, step.scan(got, path, blob=blob)))
            continue
        scanned = next(split) or step.scan(got.read(path, blob), path, blob=blob)
        if n in sizes:  # read on its finding lines alone: counted at its size
            results.append(_result(blob, scanned, size=sizes[n]))
            continue
        lines = _finding_lines(scanned, got, path, blob, step) if state.lines else None
        results.append(_result(blob, scanned, lines))
    return ScanStats.total([result.stats for result in results]), results


def place(findings: tuple[Finding, ...], places: list[tuple[str, str]], step: FileStep) -> list[Finding]:
    """A blob's findings at each (commit, path) that introduced the blob, but allowlisted paths."""
    placed = []
    for commit, path in places:
        if step.allowlisted(path):
            continue
        for finding in findings:
            location = replace(finding.location, path=path, commit=commit)
            placed.append(
                replace(
                    finding,
                    location=location,
                    fingerprint=fingerprint(finding.rule_id, path, finding.secret_hash),
                )
            )
    return placed


def _introduced(index: HistoryIndex) -> Callable[[Finding], tuple[int, str, int, int]]:
    """Findings in the order their commits were walked; in one commit, by path, line and column: the
    same whatever order the workers returned them in."""

    def key(finding: Finding) -> tuple[int, str, int, int]:
        where = finding.location
        return (index.order.get(where.commit or "", -1), where.path, where.line, where.column)

    return key


def group(findings: list[Finding], index: HistoryIndex, at_head: set[str]) -> tuple[SecretGroup, ...]:
    by_secret: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        by_secret.setdefault((finding.rule_id, finding.secret_hash), []).append(finding)
    groups = []
    for (rule_id, _), members in by_secret.items():
        members.sort(key=_introduced(index))
        groups.append(
            SecretGroup(
                rule_id=rule_id,
                preview=members[0].preview,
                first=members[0].location,
                paths=tuple(sorted({f.location.path for f in members})),
                commits=len({f.location.commit for f in members}),
                present_at_head=any(f.location.blob in at_head for f in members),
                fingerprints=tuple(sorted({f.fingerprint for f in members})),
                blobs=tuple(sorted({f.location.blob for f in members if f.location.blob})),
            )
        )
    return tuple(sorted(groups, key=lambda g: (g.first.path, g.first.line, g.rule_id)))


def first_per_fingerprint(findings: list[Finding], index: HistoryIndex) -> list[Finding]:
    first: dict[str, Finding] = {}
    for finding in sorted(findings, key=_introduced(index)):
        first.setdefault(finding.fingerprint, finding)
    return list(first.values())
