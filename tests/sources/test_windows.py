"""Long texts scanned in windows: the windows tile the text (each owns a part, the parts meet exactly),
each says where its first character is in the file, and scanning in windows finds exactly what scanning
the whole text finds, at the same lines and columns (windows made tiny here, so that every boundary case
is reached with small inputs)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Policy, ScanStats
from scanner.modes.file_step import FileStep, Scanned
from scanner.ruleset.compiled import CompiledRuleset
from scanner.sources import windows
from scanner.sources.reader import text_read
from scanner.sources.text import UTF8, Encoding
from tests.tokens import github_token

MARGIN = 120


@contextmanager
def tiny_windows() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(windows, "WINDOW", 600)
        patch.setattr(windows, "MARGIN", MARGIN)
        patch.setattr(windows, "_BLOCK", 37)
        yield


def _positions(text: str, first_line: int) -> list[tuple[int, int]]:
    """(line, column) of every character, and of the end."""
    found, line, column = [], first_line, 1
    for ch in text:
        found.append((line, column))
        line, column = (line + 1, 1) if ch == "\n" else (line, column + 1)
    return [*found, (line, column)]


texts = st.text(alphabet=st.sampled_from(list("ab \n\r€😀=")), max_size=3000)
encodings = st.sampled_from(["utf-8", "utf-16-le", "utf-32-be"])


@settings(max_examples=150, deadline=None)
@given(text=texts, codec=encodings, first_line=st.integers(1, 50))
def test_windows_tile_the_text_and_know_where_they_start(text: str, codec: str, first_line: int) -> None:
    data = text.encode(codec)
    with tiny_windows():
        pieces = list(
            windows.LongText(data, Encoding(codec), Chunk("f.txt", "", first_line=first_line)).pieces()
        )
    where = _positions(text, first_line)
    offset, owned = 0, []
    for number, piece in enumerate(pieces):
        assert piece.chunk.text == text[offset : offset + len(piece.chunk.text)]
        assert (piece.chunk.first_line, piece.column) == where[offset]
        start = offset if number == 0 else offset + MARGIN
        end = (
            offset + len(piece.chunk.text)
            if number == len(pieces) - 1
            else offset + len(piece.chunk.text) - MARGIN
        )
        assert piece.start == (None if number == 0 else where[start])
        assert piece.end == (None if number == len(pieces) - 1 else where[end])
        owned.append((start, end))
        offset = end - MARGIN
    assert owned[0][0] == 0 and owned[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(owned, owned[1:], strict=False))


def _planted(seed: int, count: int, lines: bool) -> str:
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "x = 1;", "€uro", "😀"]
    parts: list[str] = []
    for _ in range(count):
        parts.extend(
            rng.choice(words) + (" " if not lines or rng.random() < 0.8 else "\n")
            for _ in range(rng.randrange(0, 60))
        )
        parts.append(f"GITHUB_TOKEN={github_token(rng=rng)} ")
    return "".join(parts)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), count=st.integers(1, 12), lines=st.booleans(), codec=encodings)
def test_windowed_scan_finds_what_a_whole_scan_finds(
    ruleset: CompiledRuleset, seed: int, count: int, lines: bool, codec: str
) -> None:
    text = _planted(seed, count, lines)
    whole = scan_chunk(Chunk("f.txt", text, first_line=3), ruleset, Policy()).findings
    with tiny_windows():
        windowed = _scan(ruleset, text.encode(codec), Encoding(codec), Chunk("f.txt", "", first_line=3))
    assert sorted(windowed.findings, key=repr) == sorted(whole, key=repr)
    assert len(whole) == count


def _scan(ruleset: CompiledRuleset, data: bytes, encoding: Encoding, chunk: Chunk) -> Scanned:
    """What the per-file step makes of `data`: read whole, or as a long text in windows."""
    read = text_read(data, encoding, ScanStats(files=1, bytes=len(data)), chunk)
    return FileStep(ruleset, Policy()).scan(read, chunk.path, chunk.commit, chunk.blob)


def test_a_text_within_the_window_is_read_whole(ruleset: CompiledRuleset) -> None:
    text = f"GITHUB_TOKEN={github_token()}\n"
    read = text_read(text.encode(), UTF8, ScanStats(), Chunk("a.env", ""))
    assert windows.fits_whole(text.encode(), UTF8) and read.text == text and read.long == ()
    (finding,) = _scan(ruleset, text.encode(), UTF8, Chunk("a.env", "")).findings
    assert (finding.location.line, finding.location.column) == (1, 14)
    piece = windows.Piece(Chunk("a.env", text))
    assert piece.place((finding,)) == (finding,)  # a piece that is not a window changes nothing


def test_file_rules_see_every_window(ruleset: CompiledRuleset) -> None:
    """A file rule's content may sit anywhere in a long file: each window is looked at, and the
    finding reported once."""
    body = "x = 1\n" * 300 + "//registry.npmjs.org/:_authToken=abc\n" + "y = 2\n" * 300
    with tiny_windows():
        result = _scan(ruleset, body.encode(), UTF8, Chunk(".npmrc", ""))
    file_findings = [f for f in result.findings if f.rule_id.startswith("file.")]
    assert len(file_findings) == 1 and file_findings[0].location.line == 1
