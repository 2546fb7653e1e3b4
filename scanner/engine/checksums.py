"""Named structural validators a rule can require with `checksum: NAME`.

Each takes the candidate secret and returns True when its embedded checksum or structure is valid.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Callable

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_INDEX = {c: i for i, c in enumerate(BASE62)}


def base62_decode(text: str) -> int | None:
    value = 0
    for char in text:
        digit = _BASE62_INDEX.get(char)
        if digit is None:
            return None
        value = value * 62 + digit
    return value


def base62_encode(value: int, width: int) -> str:
    digits = ""
    while value:
        value, rem = divmod(value, 62)
        digits = BASE62[rem] + digits
    return digits.rjust(width, "0")


def crc32_base62_token(token: str) -> bool:
    """GitHub (ghp_, gho_, ghu_, ghs_, ghr_) and npm (npm_) tokens: prefix `xxx_`, a random body, and
    the last 6 characters the base62 CRC32 of the body, zero-padded."""
    _, sep, rest = token.partition("_")
    if not sep or len(rest) <= 6:
        return False
    body, check = rest[:-6], rest[-6:]
    expected = base62_decode(check)
    return expected is not None and zlib.crc32(body.encode("ascii", "replace")) == expected


def _b64url_json(segment: str) -> object:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def jwt_structure(token: str) -> bool:
    """A JWT whose header decodes to a JSON object with a signing `alg` and whose payload is JSON."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    header = _b64url_json(parts[0])
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        return False
    if header["alg"].lower() == "none":
        return False
    return isinstance(_b64url_json(parts[1]), dict)


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "github": crc32_base62_token,
    "npm": crc32_base62_token,
    "jwt": jwt_structure,
}
