"""Encoding detection from a file's first bytes: a byte-order mark is believed only when what follows
reads as text in it (an ASCII file that happens to start with FF FE keeps its token), UTF-16 without a
mark is read as text, and binary content stays binary."""

from __future__ import annotations

import gzip
import json
import random
import zlib
from pathlib import Path

import pytest

from scanner.sources.text import UTF8, Encoding, decode, sniff
from tests.conftest import Invoke
from tests.tokens import github_token

TOKEN = github_token()
LINE = f"GITHUB_TOKEN={TOKEN}\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (LINE.encode(), UTF8),
        (b"\xff\xfe" + LINE.encode(), UTF8),  # a chance FF FE before ASCII
        (b"\xfe\xff" + LINE.encode(), UTF8),
        (b"\xff\xfe" + "héllo wörld\n".encode() * 20, UTF8),
        (b"\xef\xbb\xbf" + LINE.encode(), Encoding("utf-8", 3)),
        (b"\xff\xfe" + LINE.encode("utf-16-le"), Encoding("utf-16-le", 2)),
        (b"\xfe\xff" + LINE.encode("utf-16-be"), Encoding("utf-16-be", 2)),
        (b"\xff\xfe" + ("你好世界" * 50).encode("utf-16-le"), Encoding("utf-16-le", 2)),  # no ASCII at all
        (b"\xff\xfe\x00\x00" + LINE.encode("utf-32-le"), Encoding("utf-32-le", 4)),
        (b"\x00\x00\xfe\xff" + LINE.encode("utf-32-be"), Encoding("utf-32-be", 4)),
        (LINE.encode("utf-16-le"), Encoding("utf-16-le")),
        (LINE.encode("utf-16-be"), Encoding("utf-16-be")),
        (("你好 " + LINE).encode("utf-16-le") * 20, Encoding("utf-16-le")),
        (b"", UTF8),
    ],
    ids=lambda value: value.codec if isinstance(value, Encoding) else None,
)
def test_sniff(data: bytes, expected: Encoding) -> None:
    assert sniff(data) == expected


def _binaries() -> list[bytes]:
    rng = random.Random(2)
    return [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
        b"\0" * 64,
        rng.randbytes(8192),
        gzip.compress(LINE.encode() * 50),
        zlib.compress(bytes(range(256)) * 40),
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + rng.randbytes(4000),
        b"\xff\xfe" + rng.randbytes(4000),  # a mark, then noise
        b"\xff\xfe\x00\x00" + rng.randbytes(4000),
        b"\xff\xfe" + b"\x00\x00" * 40,  # U+0000 is no text
    ]


@pytest.mark.parametrize("data", _binaries(), ids=range(len(_binaries())))
def test_binary_stays_binary(data: bytes) -> None:
    assert sniff(data) is None and decode(data) is None


def test_only_the_first_bytes_decide() -> None:
    late_nul = LINE.encode() * 500 + b"\0"  # past the first 8 KiB: text with one odd byte
    assert len(LINE) * 500 > 8192 and decode(late_nul) is not None


@pytest.mark.parametrize(
    ("name", "data", "column"),
    [
        ("chance-mark.txt", b"\xff\xfe" + LINE.encode(), 16),  # the two bytes are two characters
        ("utf16le.txt", LINE.encode("utf-16-le"), 14),
        ("utf16be.txt", LINE.encode("utf-16-be"), 14),
        ("utf16-mark.txt", b"\xff\xfe" + ("x = 1\n" + LINE).encode("utf-16-le"), 14),
    ],
)
def test_tokens_in_odd_encodings_are_found(
    tmp_path: Path, run_cli: Invoke, name: str, data: bytes, column: int
) -> None:
    (tmp_path / name).write_bytes(data)
    result = run_cli("scan", "-f", "json", name, cwd=tmp_path)
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["rule_id"] == "github.pat-classic" and finding["column"] == column
    assert finding["line"] == (2 if name == "utf16-mark.txt" else 1)
