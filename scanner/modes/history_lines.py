"""The history audit's line memo: what each distinct line of a worker's blobs holds, found once
(scanner.engine.lines), and each blob's findings assembled from its lines', exactly as a scan of the
whole blob gives them.

The lines worth a look are found as the keyword backend makes cheapest (scanner.modes.history_line_places);
those never seen are scanned together after a batch is read.

A blob the memo cannot split (not UTF-8, a notebook, a text scanned in windows, a minified bundle, a
single line, a character that case-insensitive patterns read as an ASCII letter, a container word, a
regex timeout) is scanned whole, as before."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.engine.file_rules import scan_path
from scanner.engine.lines import (
    LAST,
    LAST_BREAK,
    MIDDLE,
    LineFound,
    LinePlan,
    path_class,
    scan_lines,
    shifted,
)
from scanner.engine.prefilter import HyperscanPrefilter
from scanner.engine.region_reuse import Earlier
from scanner.engine.regions import RegionsFound, region_matches, whole_rule_matches
from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Finding, Match, ScanStats
from scanner.modes.file_step import FileStep, Scanned
from scanner.modes.history_line_places import BlobLines, ClassMemo, by_bytes, characters, readable
from scanner.modes.history_line_sets import by_set, lines_of
from scanner.modes.history_versions import Versions
from scanner.sources.git import BlobText

SCAN_CHARACTERS = 1 << 22  # lines scanned in one pass of the engine, at most about this many characters


class LineMemo:
    """One per worker process (its state, kept across batches): lines found once, by path class."""

    def __init__(self, step: FileStep) -> None:
        self.step = step
        self.plan = LinePlan(step.ruleset)
        prefilter = step.ruleset.prefilter
        self._bytes = (
            prefilter if isinstance(prefilter, HyperscanPrefilter) and self.plan.splittable else None
        )
        self._memos: dict[tuple[object, ...], ClassMemo] = {}
        self._classes: dict[str, tuple[object, ...]] = {}
        self._paths: dict[int, str] = {}  # a path of each memo's class (what the engine is told)
        self._file_rules: dict[str, bool] = {}  # path -> whether a file rule may match it
        self._versions = Versions()  # the last version of each path read (with Hyperscan)

    def _memo(self, path: str) -> ClassMemo:
        klass = self._classes.get(path)
        if klass is None:
            klass = self._classes[path] = path_class(self.step.ruleset, path)
        memo = self._memos.get(klass)
        if memo is None:
            memo = self._memos[klass] = ClassMemo()
            self._paths[id(memo)] = path
        return memo

    def scan(self, batch: list[tuple[str, str, BlobText]]) -> list[Scanned | None]:
        """Each blob's Scanned, or None for one to scan whole."""
        results: list[Scanned | None] = [None] * len(batch)
        pending: list[tuple[int, BlobLines]] = []
        for n, (blob, path, text) in enumerate(batch):
            if self.plan.splittable and readable(text, path):
                pending.append((n, BlobLines(blob, path, text, self._memo(path))))
        blobs = [item for _, item in pending]
        if self._bytes is not None:
            usable, novel = by_bytes(blobs, self.plan, self._bytes.byte_hits, self._versions)
            self._scan_novel(blobs, novel)
        else:
            usable, distinct, novel = by_set(blobs, self.plan)
            self._scan_novel(blobs, novel)
            kept = [item for item, ok in zip(blobs, usable, strict=True) if ok]
            for item, lines in zip(kept, distinct, strict=True):
                lines_of(item, lines, self.plan)
        self._scan_edges([item for item, ok in zip(blobs, usable, strict=True) if ok])
        for (n, item), ok in zip(pending, usable, strict=True):
            results[n] = self._assemble(item) if ok else None
        return results

    def _scan_novel(self, blobs: list[BlobLines], novel: dict[int, set[bytes]]) -> None:
        """Scans the new lines of each class in the middle of a text, many at a time."""
        memos = {id(item.memo): item.memo for item in blobs}
        for key, lines in novel.items():
            memo, path = memos[key], self._paths[key]
            for chunk in _chunks(list(lines)):
                texts = b"\n".join(chunk).decode("utf-8", "replace").split("\n")
                memo.seen.update(chunk)
                for n, found in scan_lines(texts, self.plan, self.step.policy, path).items():
                    memo.hit.add(chunk[n])
                    if found:
                        memo.found[chunk[n]] = found

    def _scan_edges(self, blobs: list[BlobLines]) -> None:
        """Scans the first and last lines holding a keyword hit not seen at their place before."""
        for item in blobs:
            memo, path = item.memo, self._paths[id(item.memo)]
            for _start, where, line in item.lines:
                if where != MIDDLE and (where, line) not in memo.edges:
                    text = line.decode("utf-8", "replace")
                    alone = scan_lines((text,), self.plan, self.step.policy, path, where)
                    memo.edges[(where, line)] = alone.get(0, LineFound())

    def _assemble(self, item: BlobLines) -> Scanned | None:
        """The blob's findings from its lines' and its regions', or None when it is to be scanned
        whole. The blob is decoded only when something was found in it."""
        step, data, memo = self.step, item.text.data, item.memo
        placed: list[tuple[int, tuple[Match, ...]]] = []
        kept = []  # the lines the next version of the path needs: at an edge, or holding a match
        for entry in item.lines:
            start, where, line = entry
            found = memo.found.get(line) if where == MIDDLE else memo.edges[(where, line)]
            if where != MIDDLE:
                kept.append(entry)
            if found is None:
                continue
            if found.container or found.timed_out:
                return None
            if found.matches:
                placed.append((start, found.matches))
                if where == MIDDLE:
                    kept.append(entry)
        if item.version is not None:
            item.version.lines = tuple(kept)
        if item.tail is not None:
            tail = self._scan_tail(item)
            if tail is None:
                return None
            placed.extend(tail)
        matched = {start for start, _ in placed}  # the lines holding matches (of line-local rules)
        regions = RegionsFound()
        regions_kept = item.version.regions if item.version is not None else None
        if item.whole:
            hits, earlier = item.whole, None
            if item.earlier is not None and item.zone is not None and item.earlier.regions.complete:
                zone = item.zone  # only what differs from the version before is looked at
                hits = item.changed_whole
                earlier = Earlier(item.earlier.regions, zone.start, zone.end, zone.shift)
            regions = region_matches(
                data, hits, self.plan, step.policy, item.path, memo.regions, earlier, regions_kept
            )
            if regions.timed_out:
                return None
            placed.extend(regions.placed)
        elif regions_kept is not None:
            regions_kept.complete = True  # no hit of a rule that is not line-local: nothing to keep
        stats = ScanStats(files=1, bytes=len(data))
        from_lines = bool(matched) and self._alone(item, matched, regions)
        if not placed and not regions.whole:
            text = None
            if self._by_path(item.path) and step.ruleset.reads_content(item.path):
                text = data.decode("utf-8", "replace")
            return Scanned(self._path_findings(item, text), (), stats, from_lines)
        text = data.decode("utf-8", "replace")
        offsets = [start for start, _ in placed] + [s for hits in regions.whole.values() for s, _ in hits]
        chars = characters(data, offsets)
        matches: list[Match] = []
        for start, held in placed:
            matches.extend(shifted(match, chars[start]) for match in held)
        for position, hits in regions.whole.items():
            whole, timed_out = whole_rule_matches(
                text, position, [(chars[s], k) for s, k in hits], self.plan, step.policy, item.path
            )
            if timed_out:
                return None
            matches.extend(whole)
        chunk = Chunk(path=item.path, text=text, blob=item.blob)
        result = scan_chunk(chunk, step.ruleset, step.policy, matched=(matches, []))
        findings = self._path_findings(item, text) + result.findings
        return Scanned(findings, result.notices, stats, from_lines)

    def _alone(self, item: BlobLines, held: set[int], regions: RegionsFound) -> bool:
        """Whether the lines holding matches give the blob's findings alone, so that a repeated audit
        may look at those lines only, every other one emptied (scanner.modes.history_blobs.blank_except):
        no container word, no file rule for its path, nothing found by a rule that is not line-local,
        and no keyword of such a rule on a line that holds a match (emptied, the text then holds none
        of theirs)."""
        if item.tail is not None or regions.placed or regions.whole or self._by_path(item.path):
            return False
        data = item.text.data
        return not any(data.rfind(b"\n", 0, at) + 1 in held for at, _ in item.whole)

    def _scan_tail(self, item: BlobLines) -> list[tuple[int, tuple[Match, ...]]] | None:
        """What the lines from the first container word's on hold, scanned together as the end of the
        text (scanner.engine.lines.scan_lines with `containers`), at their byte offsets; None when a
        rule timed out there."""
        assert item.tail is not None
        body = item.text.data[item.tail :]
        kind = LAST_BREAK if body.endswith(b"\n") else LAST
        raw = (body[:-1] if kind == LAST_BREAK else body).split(b"\n")
        texts = [line.decode("utf-8", "replace") for line in raw]
        found = scan_lines(texts, self.plan, self.step.policy, item.path, kind, containers=True)
        starts = [item.tail]
        for line in raw[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        if any(line.timed_out for line in found.values()):
            return None
        return [(starts[n], line.matches) for n, line in sorted(found.items()) if line.matches]

    def _by_path(self, path: str) -> bool:
        """Whether a file rule's paths match `path` (told once per path)."""
        found = self._file_rules.get(path)
        if found is None:
            rules = self.step.ruleset.file_rules
            found = self._file_rules[path] = any(p.search(path) for rule in rules for p in rule.paths)
        return found

    def _path_findings(self, item: BlobLines, text: str | None) -> tuple[Finding, ...]:
        """The findings of the file rules (a blob read whole: `text` known when they need it)."""
        if not self._by_path(item.path):
            return ()
        return scan_path(item.path, text, self.step.ruleset, self.step.policy, blob=item.blob)


def _chunks(lines: list[bytes]) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    size = 0
    for line in lines:
        chunk.append(line)
        size += len(line) + 1
        if size >= SCAN_CHARACTERS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk
