"""Bytes of a file -> text, or None for binary content. The encoding is told from the first bytes only
(`sniff`), so a large binary file is recognised without being read whole."""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Encoding:
    """How to decode a file: the codec, and how many bytes of byte-order mark to skip first."""

    codec: str
    bom: int = 0


UTF8 = Encoding("utf-8")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")
MIN_TEXT_SHARE = 0.95  # of a sample's characters that must be printable for UTF-16/32 text


def _strict(sample: bytes, codec: str) -> str | None:
    """`sample` (a file's first bytes, maybe cut inside a character: that one is left out) decoded
    strictly, or None."""
    try:
        return codecs.getincrementaldecoder(codec)("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return None


def _reads_as_text(sample: bytes, codec: str, need_ascii: bool) -> bool:
    """Whether `sample` decodes as `codec` into text: no invalid sequence, no NUL, at least
    MIN_TEXT_SHARE printable or whitespace characters, few unassigned ones, and (`need_ascii`) some
    ASCII among them: secrets are ASCII, and so is nearly every text's spacing, while binary data read
    as UTF-16 gives NULs, surrogates and ideographs."""
    text = _strict(sample, codec)
    if text is None or "\0" in text:
        return False
    if not text:
        return True
    printable = sum(1 for ch in text if ch.isprintable() or ch in _TEXT_CONTROLS)
    if need_ascii and not any(" " <= ch <= "~" or ch in _TEXT_CONTROLS for ch in text):
        return False
    return printable >= MIN_TEXT_SHARE * len(text) and _assigned(text)


def _bom_believed(rest: bytes, codec: str) -> bool:
    """A UTF-16/32 byte-order mark is believed when what follows reads as text in that encoding, unless
    it reads as UTF-8 text too: then the mark was two bytes that happened to be there (UTF-16 text with
    any ASCII in it holds NULs, which UTF-8 text never does)."""
    if codec.startswith("utf-16") and _reads_as_text(rest, "utf-8", need_ascii=False):
        return False
    return _reads_as_text(rest, codec, need_ascii=False)


def _assigned(text: str) -> bool:
    """No more unassigned or private-use code points than a text would hold by chance."""
    odd = sum(1 for ch in text if unicodedata.category(ch) in ("Cn", "Co", "Cs"))
    return odd <= (1 - MIN_TEXT_SHARE) * len(text)


def sniff(head: bytes) -> Encoding | None:
    """The encoding of a file from its first SNIFF_BYTES bytes, or None for binary content.

    A byte-order mark is believed only when what follows it reads as text in that encoding: an ASCII
    file that happens to start with bytes FF FE is UTF-8 (the two bytes become U+FFFD), not UTF-16.
    Without a mark, a file holding a NUL byte is UTF-16 (little- or big-endian) when it reads as text
    in one of them, and binary otherwise; any other file is UTF-8 (invalid bytes become U+FFFD)."""
    head = head[:SNIFF_BYTES]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            if codec == "utf-8" or _bom_believed(head[len(bom) :], codec):
                return Encoding(codec, len(bom))
            break  # a chance prefix: judged like a file without one
    if b"\0" not in head:
        return UTF8
    # ASCII text in UTF-16LE puts its NULs at odd offsets; try the likelier order first
    odd_nuls = head[1::2].count(0)
    order = ("utf-16-le", "utf-16-be") if odd_nuls >= head[0::2].count(0) else ("utf-16-be", "utf-16-le")
    for codec in order:
        if _reads_as_text(head, codec, need_ascii=True):
            return Encoding(codec)
    return None


def decode_with(data: bytes | bytearray, encoding: Encoding) -> str:
    """The text of `data` (all of it) in `encoding`; invalid sequences become U+FFFD."""
    view = memoryview(data)[encoding.bom :]
    return codecs.decode(view, encoding.codec, "replace")


def decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16/32 with a BOM and UTF-16 without; None for binary content
    (see `sniff`). Invalid bytes become U+FFFD, so offsets stay usable."""
    encoding = sniff(data[:SNIFF_BYTES])
    return None if encoding is None else decode_with(data, encoding)
