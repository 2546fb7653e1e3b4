"""Keyword prefilter: one pass over the text finds every keyword of every rule, case-insensitively.

Two interchangeable backends with identical hits: pyahocorasick (default) and Hyperscan (optional extra,
used when the `hyperscan` package is installed). Keywords are lowercase ASCII, so non-ASCII characters are
mapped to `?` one-for-one before matching and offsets stay character offsets into the original text.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Protocol


class Prefilter(Protocol):
    name: str

    def hits(self, text: str) -> Iterator[tuple[int, int]]:
        """(start offset, keyword index) of every keyword occurrence, ordered by end offset. Produced
        lazily or from compact arrays: a file that is one keyword repeated has millions of hits."""
        ...


def _ascii_view(text: str) -> str:
    if text.isascii():
        return text
    return text.encode("ascii", "replace").decode("ascii")


class AhoCorasickPrefilter:
    name = "pyahocorasick"

    def __init__(self, keywords: tuple[str, ...]) -> None:
        import ahocorasick

        self._lengths = tuple(len(k) for k in keywords)
        automaton = ahocorasick.Automaton()
        for index, keyword in enumerate(keywords):
            automaton.add_word(keyword, index)
        if keywords:
            automaton.make_automaton()
        self._automaton = automaton if keywords else None

    def hits(self, text: str) -> Iterator[tuple[int, int]]:
        if self._automaton is None:
            return
        lengths = self._lengths
        for end, index in self._automaton.iter(_ascii_view(text).lower()):
            yield end - lengths[index] + 1, index


class HyperscanPrefilter:
    name = "hyperscan"

    def __init__(self, keywords: tuple[str, ...], serialized: bytes | None = None) -> None:
        """Compiles the literals, or loads `serialized` (from `serialize()` for the same keywords),
        which takes well under a millisecond instead of about a tenth of a second."""
        import hyperscan

        self._lengths = tuple(len(k) for k in keywords)
        self._db = None
        if serialized is not None:
            db = hyperscan.loadb(serialized, mode=hyperscan.HS_MODE_BLOCK)
            db.scratch = hyperscan.Scratch(db)
            self._db = db
        elif keywords:
            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            db.compile(
                expressions=[k.encode("ascii") for k in keywords],
                ids=list(range(len(keywords))),
                elements=len(keywords),
                flags=[hyperscan.HS_FLAG_CASELESS] * len(keywords),
                literal=True,
            )
            self._db = db

    def serialize(self) -> bytes | None:
        import hyperscan

        return None if self._db is None else bytes(hyperscan.dumpb(self._db))

    def hits(self, text: str) -> Iterator[tuple[int, int]]:
        starts, indexes = self.byte_hits(_ascii_view(text).encode("ascii"))
        return zip(starts, indexes, strict=True)

    def byte_hits(self, data: bytes) -> tuple[array[int], array[int]]:
        """(start offsets, keyword indexes) of every keyword in `data`, ordered by end offset. On the
        bytes of a UTF-8 text these are the hits of its lines (keywords are ASCII, and no byte of a
        multi-byte character is ASCII), at byte offsets."""
        # Hyperscan reports through a callback, so the hits are kept, in two machine-int arrays
        # (16 bytes a hit, not the 100 of a tuple of ints)
        starts, indexes = array("q"), array("l")
        if self._db is None:
            return starts, indexes
        lengths = self._lengths

        def on_match(index: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            starts.append(end - lengths[index])
            indexes.append(index)

        self._db.scan(data, match_event_handler=on_match)
        return starts, indexes


def available_backends() -> tuple[str, ...]:
    names = ["pyahocorasick"]
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        pass
    else:
        names.append("hyperscan")
    return tuple(names)


def resolve_backend(backend: str) -> str:
    """`auto` is Hyperscan when installed, else pyahocorasick."""
    if backend == "auto":
        return "hyperscan" if "hyperscan" in available_backends() else "pyahocorasick"
    return backend


def build_prefilter(keywords: tuple[str, ...], backend: str = "auto") -> Prefilter:
    backend = resolve_backend(backend)
    if backend == "hyperscan":
        return HyperscanPrefilter(keywords)
    return AhoCorasickPrefilter(keywords)
