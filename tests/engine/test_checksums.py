"""The structural validators rules opt into with `checksum: NAME`.

Each validator is checked on a valid synthetic token, the same token with one character changed, a
wrong length and non-ASCII input; hypothesis checks that generated valid tokens pass and single
character changes in the checksummed part fail.
"""

from __future__ import annotations

import base64
import random
import string
import uuid
import zlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.checksums import (
    BECH32,
    VALIDATORS,
    age_secret_key,
    aws_key_id,
    bech32_hrp_expand,
    bech32_polymod,
    grafana_token,
    pypi_macaroon,
)
from tests.tokens import broken_checksum

BASE32 = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits


# --- generators of synthetic tokens in the documented formats ------------------------------------


def _packet(kind: int, value: bytes) -> bytes:
    assert len(value) < 128  # one-byte varint lengths are enough here
    return bytes([kind, len(value)]) + value


def pypi_token(rng: random.Random, location: bytes = b"pypi.org", caveats: int = 1) -> str:
    ident = str(uuid.UUID(int=rng.getrandbits(128), version=4)).encode()
    body = b"\x02" + _packet(1, location) + _packet(2, ident) + b"\x00"
    for n in range(caveats):
        body += _packet(2, b'{"version":1,"permissions":"user","n":%d}' % n) + b"\x00"
    body += b"\x00" + _packet(6, rng.randbytes(32))
    return "pypi-" + base64.urlsafe_b64encode(body).decode().rstrip("=")


def grafana(rng: random.Random) -> str:
    key = "glsa_" + "".join(rng.choice(ALNUM) for _ in range(32))
    return key + "_" + zlib.crc32(key.encode()).to_bytes(4, "little").hex()


def age_key(rng: random.Random) -> str:
    data = [rng.randrange(32) for _ in range(51)] + [rng.choice([0, 16])]  # 256 bits + 4 zero bits
    hrp = "age-secret-key-"
    polymod = bech32_polymod(bech32_hrp_expand(hrp) + data + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(BECH32[v] for v in data + checksum)).upper()


def aws_key(rng: random.Random, prefix: str = "AKIA", account: int | None = None) -> str:
    """New-generation key id: flag bit 1, a 40-bit account number, 39 random bits."""
    account = rng.randrange(10**12) if account is None else account
    value = 1 << 79 | account << 39 | rng.getrandbits(39)
    return prefix + "".join(BASE32[value >> 5 * (15 - i) & 31] for i in range(16))


def _change(token: str, index: int, alphabet: str, rng: random.Random) -> str:
    choices = [c for c in alphabet if c != token[index]]
    return token[:index] + rng.choice(choices) + token[index + 1 :]


# --- registry ------------------------------------------------------------------------------------


def test_registry_names() -> None:
    assert {"github", "npm", "jwt", "pypi", "aws-key-id", "grafana", "age"} <= set(VALIDATORS)


# --- pypi ------------------------------------------------------------------------------------------


def test_pypi_valid_for_both_indexes() -> None:
    rng = random.Random(1)
    assert pypi_macaroon(pypi_token(rng))
    assert pypi_macaroon(pypi_token(rng, b"test.pypi.org"))
    assert pypi_macaroon(pypi_token(rng, caveats=0))
    assert pypi_macaroon(pypi_token(rng, caveats=3))


def test_pypi_other_location_or_identifier_fails() -> None:
    rng = random.Random(2)
    assert not pypi_macaroon(pypi_token(rng, b"pypi.example"))
    body = b"\x02" + _packet(1, b"pypi.org") + _packet(2, b"1234") + b"\x00\x00" + _packet(6, bytes(32))
    assert not pypi_macaroon("pypi-" + base64.urlsafe_b64encode(body).decode().rstrip("="))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1],  # signature one character short: wrong length
        lambda t: t[:-6],
        lambda t: t + "AAAA",  # trailing bytes after the signature
        lambda t: t.replace("pypi-", "pypy-"),
        lambda t: t + "=",
        lambda t: t[:30] + "é" + t[31:],  # non-ASCII
        lambda t: t[:30] + "+" + t[31:],  # standard base64, not url-safe
        lambda t: "pypi-",
    ],
)
def test_pypi_corrupted_fails(mangle: Callable[[str], str]) -> None:
    token = pypi_token(random.Random(3))
    assert not pypi_macaroon(mangle(token))


def test_pypi_rule_example_passes() -> None:
    token = (
        "pypi-AgEIcHlwaS5vcmcCJDJkN2Y2NGZkLTU0MjQtNGEzYi1iZWJhLTAzNjdmN2EyODY3NgACInsidmVyc2lvbiI6MSwicGVy"
        "bWlzc2lvbnMiOiJ1c2VyIn0AAAYgro7r5pSUL0fp7hKugGJMnyfF18pXY_4E0O45mws-mk8"
    )
    assert pypi_macaroon(token)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32), caveats=st.integers(0, 3), test=st.booleans())
def test_pypi_generated_tokens_validate(seed: int, caveats: int, test: bool) -> None:
    location = b"test.pypi.org" if test else b"pypi.org"
    assert pypi_macaroon(pypi_token(random.Random(seed), location, caveats))


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32), data=st.data())
def test_pypi_changed_header_character_fails(seed: int, data: st.DataObject) -> None:
    """Version, location and identifier framing are checked exactly: a change in the first 17 encoded
    characters (bytes 0-12: version, location packet, identifier type and length) is rejected."""
    rng = random.Random(seed)
    token = pypi_token(rng)
    index = data.draw(st.integers(5, 5 + 16))
    assert not pypi_macaroon(_change(token, index, string.ascii_letters + string.digits + "-_", rng))


# --- grafana ---------------------------------------------------------------------------------------


def test_grafana_valid_and_rule_example() -> None:
    assert grafana_token(grafana(random.Random(4)))
    assert grafana_token("glsa_fCK9eVGViflxutnrYecpJbsNaUXkFVi3_b6774095")


@pytest.mark.parametrize(
    "token",
    [
        "glsa_fCK9eVGViflxutnrYecpJbsNaUXkFVi3_b6774094",  # checksum digit changed
        "glsa_fCK9eVGViflxutnrYecpJbsNaUXkFVi4_b6774095",  # secret character changed
        "glsa_fCK9eVGViflxutnrYecpJbsNaUXkFVi3_b677409",  # wrong length
        "glsa_fCK9eVGViflxutnrYecpJbsNaUXkFVi_b6774095",
        "glsa_fCK9eVGViflxutnrYecpJbsNaUXkFVié_b6774095",  # non-ASCII
        "glsa_fCK9eVGViflxutnrYecpJbsNaUXkFVi3_B6774095",  # upper-case hex is not what Grafana writes
        "glsa_fCK9eVGViflxutnrYecpJbsNaUXkFVi3_95407767",  # big-endian CRC32
    ],
)
def test_grafana_corrupted_fails(token: str) -> None:
    assert not grafana_token(token)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32), data=st.data())
def test_grafana_generated_valid_and_any_change_fails(seed: int, data: st.DataObject) -> None:
    rng = random.Random(seed)
    token = grafana(rng)
    assert grafana_token(token)
    index = data.draw(st.sampled_from([i for i, c in enumerate(token) if c != "_"]))
    alphabet = "0123456789abcdef" if index >= 38 else ALNUM
    assert not grafana_token(_change(token, index, alphabet, rng))


# --- age / bech32 ---------------------------------------------------------------------------------


def test_bech32_reference_vectors() -> None:
    """Valid test vectors from BIP-0173 checked through the same polymod."""
    for text in ("A12UEL5L", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"):
        hrp, _, data = text.lower().rpartition("1")
        values = [BECH32.index(c) for c in data]
        assert bech32_polymod(bech32_hrp_expand(hrp) + values) == 1


def test_age_valid_and_rule_example() -> None:
    assert age_secret_key(age_key(random.Random(5)))
    assert age_secret_key("AGE-SECRET-KEY-1J289S7CT8DC47GHFCZS4ADEECNGWLNGGKS9EAM4QDSP2RX3ADM2QWZRCDG")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:40] + ("Q" if t[40] != "Q" else "P") + t[41:],  # one character changed
        lambda t: t[:-1],  # wrong length
        lambda t: t[:-6] + "Q" + t[-6:],
        lambda t: t.lower(),  # age writes identities in upper case
        lambda t: t[:20] + t[20].lower() + t[21:],  # mixed case
        lambda t: t[:30] + "B" + t[31:],  # B is outside the Bech32 alphabet
        lambda t: t[:30] + "É" + t[31:],  # non-ASCII
        lambda t: t.replace("AGE-SECRET-KEY-1", "AGE-PUBLIC-KEY-1"),
    ],
)
def test_age_corrupted_fails(mangle: Callable[[str], str]) -> None:
    token = age_key(random.Random(6))
    assert not age_secret_key(mangle(token))


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32), data=st.data())
def test_age_generated_valid_and_any_change_fails(seed: int, data: st.DataObject) -> None:
    rng = random.Random(seed)
    token = age_key(rng)
    assert age_secret_key(token)
    index = data.draw(st.integers(len("AGE-SECRET-KEY-1"), len(token) - 1))
    assert not age_secret_key(_change(token, index, BECH32.upper(), rng))


# --- aws ------------------------------------------------------------------------------------------


def test_aws_published_example_decodes() -> None:
    """ASIAY34FZKBOKMUTVV7A is the example of the published analyses (account 609629065308)."""
    assert aws_key_id("ASIAY34FZKBOKMUTVV7A")
    assert aws_key_id(aws_key(random.Random(7), account=609629065308))


@pytest.mark.parametrize(
    "token",
    [
        "AKIAVARCP3LRT3JZTHP",  # wrong length
        "AKIAVARCP3LRT3JZTHPXQ",
        "AKIAVARCP3LRT3JZTHP1",  # 1 is not base32
        "AKIAVARCP3LRT3JZTHPÄ",  # non-ASCII
        "AKIAvarcp3lrt3jzthpx",
        "AKIBVARCP3LRT3JZTHPX",  # unknown type prefix
        "AKIA7S6YYKQT7Q2BUT7S",  # account field has 13 digits
    ],
)
def test_aws_malformed_fails(token: str) -> None:
    assert not aws_key_id(token)


def test_aws_account_bound() -> None:
    rng = random.Random(8)
    assert aws_key_id(aws_key(rng, account=999_999_999_999))
    assert not aws_key_id(aws_key(rng, account=10**12))
    assert not aws_key_id(aws_key(rng, "ASIA", account=2**40 - 1))
    # old-generation ids (flag bit 0) carry no account field
    assert aws_key_id("AKIA" + "P" + "7" * 15)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32), prefix=st.sampled_from(["AKIA", "ASIA"]))
def test_aws_generated_valid(seed: int, prefix: str) -> None:
    assert aws_key_id(aws_key(random.Random(seed), prefix))


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32), index=st.integers(4, 19), junk=st.sampled_from("01890-_aé"))
def test_aws_any_non_base32_character_fails(seed: int, index: int, junk: str) -> None:
    token = aws_key(random.Random(seed))
    assert not aws_key_id(token[:index] + junk + token[index + 1 :])


# --- existing validators keep working ----------------------------------------------------------------


def test_github_checksum_still_checked() -> None:
    from tests.tokens import github_token

    token = github_token()
    assert VALIDATORS["github"](token)
    assert not VALIDATORS["github"](broken_checksum(token))
