"""Bytes of a file -> text, or None for binary content."""

from __future__ import annotations

import codecs

SNIFF_BYTES = 8192

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM) and UTF-16/32 with a BOM. Other files holding a NUL byte in their first
    8 KiB are binary (None). Invalid UTF-8 bytes become U+FFFD, one per byte, so offsets stay usable."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace")
    if b"\0" in data[:SNIFF_BYTES]:
        return None
    return data.decode("utf-8", "replace")
