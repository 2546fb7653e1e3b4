"""Synthetic credentials in providers' documented formats, for tests. None of these are real."""

from __future__ import annotations

import random
import string
import zlib

from scanner.engine.checksums import aws_key_id, base62_encode

ALNUM = string.ascii_letters + string.digits


def github_token(prefix: str = "ghp_", rng: random.Random | None = None) -> str:
    """prefix + 30 random base62 characters + 6-character base62 CRC32 of those 30."""
    rng = rng or random.Random(7)
    body = "".join(rng.choice(ALNUM) for _ in range(30))
    return prefix + body + base62_encode(zlib.crc32(body.encode()), 6)


def broken_checksum(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


def aws_access_key_id(rng: random.Random | None = None) -> str:
    """AKIA + 16 base32 characters whose account field (when present) is a 12-digit number."""
    rng = rng or random.Random(11)
    while True:
        key = "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))
        if aws_key_id(key):
            return key
