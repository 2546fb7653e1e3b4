"""Providers' published test and example keys are reported by no rule, provider or generic; a key of the
same shape that is not published still is."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine.filters import is_placeholder
from scanner.engine.public_values import PUBLIC_EXAMPLES
from tests.conftest import Invoke


@pytest.mark.parametrize("value", sorted(PUBLIC_EXAMPLES))
def test_every_published_example_is_a_placeholder(value: str) -> None:
    assert is_placeholder(value)


def test_published_examples_are_silent_and_a_real_shape_is_not(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "docs.env").write_text(
        'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"\n'
        "RECAPTCHA_SECRET=6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe\n"
        "MAILGUN_API_KEY=key-3ax6xnjp29jd6fds4gc373sgvjxteol0\n"
    )
    assert run_cli("scan", "docs.env", cwd=tmp_path).exit_code == 0
    (tmp_path / "live.env").write_text("RECAPTCHA_SECRET=6LdQ7xkTAAAAAPq4Zr8mW2nL5vB9cX3tH7kJ1sYd\n")
    result = run_cli("scan", "live.env", cwd=tmp_path)
    assert result.exit_code == 1 and "live.env:1:" in result.output
