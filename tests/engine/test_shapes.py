"""Structural validators for credential shapes without a checksum (scanner.engine.shapes)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scanner.engine.checksums import VALIDATORS
from scanner.engine.shapes import EXAMPLE_PAIRS, basic_credentials


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "pair",
    [
        "deploy-bot:N7q2xV9kLm4R",
        "svc:Zq7p@Lm4x",
        "seaé:gəmjər",
        "api:k:with:colons",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc:",
    ],
)
def test_printable_user_password_pairs_are_basic_credentials(pair: str) -> None:
    assert basic_credentials(b64(pair))
    assert basic_credentials(b64(pair).rstrip("="))  # padding is optional where it is written


@pytest.mark.parametrize(
    "token",
    [
        b64("Aladdin:open sesame"),  # RFC 7617's example
        b64("user:password"),
        b64("Admin:Admin"),
        b64("user:"),  # empty password, short user id
        b64("no colon here"),
        b64("user:pa\x00ss"),  # not printable
        base64.b64encode(b"\xff\xfe:\x80").decode(),  # not UTF-8
        "entities",  # base64 alphabet, decodes to binary
        "abc*def",  # not base64
        "Zm9v!",
    ],
)
def test_examples_empty_passwords_and_non_text_are_not(token: str) -> None:
    assert not basic_credentials(token)


def test_registered_for_rules() -> None:
    assert VALIDATORS["basic-auth"] is basic_credentials


VISIBLE = st.characters(categories=("L", "N", "P", "S"), max_codepoint=0x2FF)


@given(
    st.text(
        st.characters(categories=("L", "N", "P", "S"), max_codepoint=0x2FF, exclude_characters=":"),
        min_size=1,
    ),
    st.text(VISIBLE, min_size=9, max_size=40),
)
def test_any_printable_pair_with_a_long_password_validates(user: str, password: str) -> None:
    assume(f"{user}:{password}".lower() not in EXAMPLE_PAIRS)
    assert basic_credentials(b64(f"{user}:{password}"))
