"""The per-file step the directory and history modes share: a file's (or blob's) bytes through the engine
into findings at their place in the file. A text of up to WINDOW characters is scanned whole (a notebook
cell by cell); a longer one window by window (scanner.sources.windows), so memory holds its bytes and
one window, not its whole text. The file rules see the whole text, or each window in turn. Orchestrates
only: reading and decoding are in sources/, detecting in engine/."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.engine.files import scan_path
from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Finding, Notice, Policy
from scanner.ruleset.compiled import CompiledRuleset
from scanner.sources.decode import Encoding, decode_with
from scanner.sources.windows import fits_whole, whole_pieces, window_pieces


@dataclass(frozen=True)
class TextScan:
    findings: tuple[Finding, ...]
    notices: tuple[Notice, ...]  # regex timeouts, one per rule and piece

    @property
    def timeouts(self) -> int:
        return len(self.notices)


def scan_bytes(
    data: bytes | bytearray, encoding: Encoding, chunk: Chunk, ruleset: CompiledRuleset, policy: Policy
) -> TextScan:
    """Findings of the content rules and the file rules in `data` (text in `encoding`); `chunk` gives
    the path, commit and blob the findings carry."""
    findings: list[Finding] = []
    notices: list[Notice] = []
    by_file_rule: dict[str, Finding] = {}

    def file_rules(text: str) -> None:
        for found in scan_path(chunk.path, text, ruleset, policy, commit=chunk.commit, blob=chunk.blob):
            by_file_rule.setdefault(found.rule_id, found)

    if fits_whole(data, encoding):
        text = decode_with(data, encoding)
        file_rules(text)
        pieces = iter(whole_pieces(text, chunk))
        windowed = False
    else:
        pieces = window_pieces(data, encoding, chunk)
        windowed = True
    for piece in pieces:
        if windowed:
            file_rules(piece.chunk.text)
        result = scan_chunk(piece.chunk, ruleset, policy)
        findings.extend(piece.place(result.findings))
        notices.extend(result.notices)
        del piece, result  # a window is let go before the next one is decoded
    return TextScan((*by_file_rule.values(), *findings), tuple(notices))
