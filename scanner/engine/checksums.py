"""Named structural validators a rule can require with `checksum: NAME`.

Each takes the candidate secret and returns True when its embedded checksum or structure is valid.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Callable

from scanner import jsonio
from scanner.engine.shapes import basic_credentials

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
        return jsonio.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
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


# --- PyPI: "pypi-" + unpadded base64url of a libmacaroons v2 binary macaroon -----------------------
# Warehouse (warehouse/macaroons/services.py) mints pymacaroons.Macaroon(location=<domain>,
# identifier=str(<uuid>), version=MACAROON_V2) and serializes it as f"pypi-{m.serialize()}".
# V2 layout: 0x02, fields (type varint, length varint, bytes): [location=1] identifier=2 EOS=0,
# then per caveat [location=1] identifier=2 [vid=4] EOS=0, then EOS=0 and signature=6 (32 bytes).
PYPI_LOCATIONS = frozenset({b"pypi.org", b"test.pypi.org"})
_EOS, _LOCATION, _IDENTIFIER, _VID, _SIGNATURE = 0, 1, 2, 4, 6
_B64URL = re.compile(r"[A-Za-z0-9_-]{8,4000}")
_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """(value, next position) of the unsigned LEB128 varint at `pos`; raises IndexError past the end."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80 or shift > 28:
            return value, pos
        shift += 7


def _macaroon_packets(data: bytes) -> list[tuple[int, bytes]]:
    """The (type, value) packets after the version byte, EOS markers included as (0, b"")."""
    packets: list[tuple[int, bytes]] = []
    pos = 1
    while pos < len(data):
        kind, pos = _varint(data, pos)
        if kind == _EOS:
            packets.append((kind, b""))
            continue
        length, pos = _varint(data, pos)
        if pos + length > len(data):
            raise IndexError("packet runs past the end")
        packets.append((kind, data[pos : pos + length]))
        pos += length
    return packets


def _macaroon_v2_ok(packets: list[tuple[int, bytes]]) -> bool:
    kinds = [kind for kind, _ in packets]
    if len(packets) < 5 or kinds[-2:] != [_EOS, _SIGNATURE] or len(packets[-1][1]) != 32:
        return False
    if kinds[:3] != [_LOCATION, _IDENTIFIER, _EOS]:
        return False
    if packets[0][1] not in PYPI_LOCATIONS or not _UUID.match(packets[1][1]):
        return False
    caveats = kinds[3:-2]  # each caveat: [location] identifier [vid] EOS
    text = "".join({_LOCATION: "l", _IDENTIFIER: "i", _VID: "v", _EOS: "e"}.get(k, "?") for k in caveats)
    return re.fullmatch(r"(?:l?iv?e)*", text) is not None


def pypi_macaroon(token: str) -> bool:
    """A PyPI or TestPyPI API token: its body decodes to a v2 macaroon located at pypi.org or
    test.pypi.org, identified by a UUID, with well-formed caveats and a 32-byte signature."""
    prefix, _, body = token.partition("-")
    if prefix != "pypi" or not _B64URL.fullmatch(body):
        return False
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return data[:1] == b"\x02" and _macaroon_v2_ok(_macaroon_packets(data))
    except (binascii.Error, ValueError, IndexError):
        return False


# --- AWS access key ids -----------------------------------------------------------------------------
# A 4-letter type prefix (IAM "unique ID prefixes": AKIA, ASIA, ABIA, ACCA) then 16 base32 characters
# (A-Z2-7), 80 bits. Published analyses (Aidan Steele 2020, Tal Beery 2023, WithSecure Labs 2023; not AWS
# documentation) found that when the first of those bits is 1, the next 40 bits are the 12-digit account id
# that sts:GetAccessKeyInfo returns, so a larger number there cannot be a real AKIA/ASIA key id.
AWS_KEY_PREFIXES = frozenset({"AKIA", "ASIA", "ABIA", "ACCA"})
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_INDEX = {c: i for i, c in enumerate(_BASE32)}
_MAX_ACCOUNT_ID = 999_999_999_999


def aws_key_id(token: str) -> bool:
    """20 characters: a documented prefix and 16 base32 characters whose account field, when present,
    is a 12-digit number."""
    if len(token) != 20 or token[:4] not in AWS_KEY_PREFIXES:
        return False
    value = 0
    for char in token[4:]:
        digit = _BASE32_INDEX.get(char)
        if digit is None:
            return False
        value = value << 5 | digit
    if token[:4] not in ("AKIA", "ASIA") or not value >> 79:
        return True  # older key ids and other types carry no account field
    return (value >> 39) & (2**40 - 1) <= _MAX_ACCOUNT_ID


# --- Grafana service account tokens (pkg/components/satokengen/tokengen.go) -------------------------
# "gl" + service id ("sa") + "_" + 32 random alphanumerics + "_" + hex of the little-endian CRC32 (IEEE)
# of everything before the last underscore.
_GRAFANA = re.compile(r"(gl[a-z]{1,8}_[A-Za-z0-9]{32})_([0-9a-f]{8})")


def grafana_token(token: str) -> bool:
    match = _GRAFANA.fullmatch(token)
    if match is None:
        return False
    crc = zlib.crc32(match[1].encode("ascii"))
    return crc.to_bytes(4, "little").hex() == match[2]


# --- Bech32 (BIP-0173) and age identities ------------------------------------------------------------
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(BECH32)}
_BECH32_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def bech32_polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(_BECH32_GEN):
            if top >> i & 1:
                chk ^= gen
    return chk


def bech32_hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_data(text: str, hrp: str) -> list[int] | None:
    """The 5-bit data values (checksum excluded) of a single-case Bech32 string with this HRP, or None
    when the case is mixed, the HRP differs, a character is outside the alphabet or the checksum fails."""
    lower = text.lower()
    if text not in (lower, text.upper()) or not lower.startswith(hrp + "1"):
        return None
    values = [_BECH32_INDEX.get(c, -1) for c in lower[len(hrp) + 1 :]]
    if len(values) < 6 or -1 in values:
        return None
    if bech32_polymod(bech32_hrp_expand(hrp) + values) != 1:
        return None
    return values[:-6]


def age_secret_key(token: str) -> bool:
    """An age X25519 identity: upper-case Bech32, HRP "age-secret-key-", a valid checksum and exactly
    32 bytes of data (52 five-bit groups whose 4 padding bits are zero)."""
    data = bech32_data(token, "age-secret-key-")
    return data is not None and token.isupper() and len(data) == 52 and data[-1] & 0xF == 0


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "github": crc32_base62_token,
    "npm": crc32_base62_token,
    "jwt": jwt_structure,
    "pypi": pypi_macaroon,
    "aws-key-id": aws_key_id,
    "grafana": grafana_token,
    "age": age_secret_key,
    "basic-auth": basic_credentials,
}
