"""The GitHub/npm CRC32 and JWT structure validators on malformed input (the provider-specific
validators added alongside are tested in tests/engine/test_checksums.py)."""

from __future__ import annotations

import base64
import json
import zlib

import pytest

from scanner.engine.checksums import base62_decode, base62_encode, crc32_base62_token, jwt_structure
from tests.tokens import github_token


def b64url(value: object) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_base62_round_trip_and_foreign_characters() -> None:
    assert base62_decode(base62_encode(zlib.crc32(b"body"), 6)) == zlib.crc32(b"body")
    assert base62_encode(0, 6) == "000000"
    assert base62_decode("abc-12") is None


@pytest.mark.parametrize("token", ["ghp", "ghp_", "ghp_abc123", "ghp_" + "a" * 30 + "-_-_-_"])
def test_crc32_token_without_body_or_with_a_foreign_checksum_is_rejected(token: str) -> None:
    assert crc32_base62_token(token) is False


def test_crc32_token_checksum() -> None:
    token = github_token()
    assert crc32_base62_token(token) is True
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert crc32_base62_token(flipped) is False


PAYLOAD = b64url({"sub": "1234567890", "iat": 1516239022})
SIGNATURE = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"


@pytest.mark.parametrize(
    ("token", "valid"),
    [
        (f"{b64url({'alg': 'HS256', 'typ': 'JWT'})}.{PAYLOAD}.{SIGNATURE}", True),
        (f"{b64url({'alg': 'HS256'})}.{PAYLOAD}", False),  # two parts
        (f"{b64url({'alg': 'none'})}.{PAYLOAD}.{SIGNATURE}", False),  # unsigned
        (f"{b64url({'alg': 'NONE'})}.{PAYLOAD}.{SIGNATURE}", False),
        (f"{b64url({'typ': 'JWT'})}.{PAYLOAD}.{SIGNATURE}", False),  # no alg
        (f"{b64url(['alg'])}.{PAYLOAD}.{SIGNATURE}", False),  # header not an object
        (f"{b64url({'alg': 'HS256'})}.{b64url([1, 2])}.{SIGNATURE}", False),  # payload not an object
        (f"{b64url(b'not json')}.{PAYLOAD}.{SIGNATURE}", False),
        (f"{b64url(bytes([0xFF, 0xFE]))}.{PAYLOAD}.{SIGNATURE}", False),  # not UTF-8
        (f"eyJ*.{PAYLOAD}.{SIGNATURE}", False),  # not base64url
        (f"é.{PAYLOAD}.{SIGNATURE}", False),  # not ASCII
    ],
)
def test_jwt_structure(token: str, valid: bool) -> None:
    assert jwt_structure(token) is valid
