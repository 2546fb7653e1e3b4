"""What the history cache (scanner.modes.history_cache) keeps of a complete audit, as JSON: the
snapshot of a ref state, and the tip view an inventory computed for it (scanner.trail). Nothing in
either is derived from a secret: counts, blob ids, paths, line numbers, commits, authors, dates and ref
names."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from scanner import jsonio
from scanner.model import CommitInfo, ScanStats
from scanner.trail import Group, Presence, Removal, Tip, TipView

_STATS = ("files", "bytes", "skipped_binary", "skipped_large", "skipped_allowlisted", "cached")

Places = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (blob, its (commit, path) places)


def _places(raw: list[list[object]]) -> Places:
    return tuple((str(blob), tuple((str(c), str(p)) for c, p in places)) for blob, places in raw)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Snapshot:
    """A complete audit of one ref state, with nothing derived from a secret: the counts of its clean
    blobs (`cached` = how many), and where each blob and message that held a finding or a notice sits
    in history (and where those blobs were removed, for the inventory), so that the next audit of the
    same state scans those again and nothing else."""

    clean: ScanStats
    dirty: Places  # where each dirty blob was introduced
    messages: tuple[str, ...]  # commits whose message held a finding
    commits: tuple[tuple[int, CommitInfo], ...]  # (walk position, info) of the commits named here
    at_head: tuple[str, ...]  # dirty blobs in HEAD's tree
    removed: Places = ()  # where a commit deleted or replaced a dirty blob
    # the finding lines of the dirty blobs whose findings those lines alone give: only they are looked
    # at again (scanner.modes.history_blobs.BlobState.only); a blob not named is read whole
    lines: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "clean": [getattr(self.clean, name) for name in _STATS],
                "dirty": [[blob, [list(p) for p in places]] for blob, places in self.dirty],
                "messages": list(self.messages),
                "commits": [[n, c.sha, c.author, c.date] for n, c in self.commits],
                "at_head": list(self.at_head),
                "removed": [[blob, [list(p) for p in places]] for blob, places in self.removed],
                "lines": [[blob, list(lines)] for blob, lines in self.lines],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        data = jsonio.loads(text)
        return cls(
            clean=ScanStats(**{name: int(n) for name, n in zip(_STATS, data["clean"], strict=True)}),
            dirty=_places(data["dirty"]),
            messages=tuple(str(sha) for sha in data["messages"]),
            commits=tuple((int(n), CommitInfo(str(s), str(a), str(d))) for n, s, a, d in data["commits"]),
            at_head=tuple(str(blob) for blob in data["at_head"]),
            removed=_places(data["removed"]),
            lines=tuple((str(blob), tuple(int(n) for n in lines)) for blob, lines in data.get("lines", [])),
        )


def groups_key(groups: tuple[Group, ...]) -> str:
    """What a tip view depends on besides the ref state: the groups' pairs and messages (their trail
    follows from the blobs in them)."""
    material = json.dumps([[list(group.pairs), list(group.messages)] for group in groups])
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def view_to_json(view: TipView) -> str:
    return json.dumps(
        {
            "tips": [[tip.ref, tip.commit] for tip in view.tips],
            "presence": [
                [list(p.held_at), [[r.commit, list(r.refs)] for r in p.removals], list(p.dropped)]
                for p in view.presence
            ],
        },
        separators=(",", ":"),
    )


def view_from_json(text: str) -> TipView:
    data = jsonio.loads(text)
    return TipView(
        tips=tuple(Tip(str(ref), str(commit)) for ref, commit in data["tips"]),
        presence=tuple(
            Presence(
                held_at=tuple(str(ref) for ref in held),
                removals=tuple(Removal(str(c), tuple(str(r) for r in refs)) for c, refs in removals),
                dropped=tuple(str(ref) for ref in dropped),
            )
            for held, removals, dropped in data["presence"]
        ),
    )
