"""Test/sandbox credentials are reported at low severity, so `--fail-on high` fails CI on live keys only."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from tests.conftest import Invoke

ALNUM = string.ascii_letters + string.digits


def _stripe(mode: str, seed: int) -> str:
    rng = random.Random(seed)
    return f"sk_{mode}_" + "".join(rng.choice(ALNUM) for _ in range(24))


def _hex(length: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


LIVE = _stripe("live", 1)
TEST = _stripe("test", 2)


def _tree(root: Path, *keys: str) -> Path:
    root.mkdir()
    for n, key in enumerate(keys):
        (root / f"billing_{n}.py").write_text(f"import stripe\nstripe.api_key = '{key}'\n")
    return root


def _rules(output: str) -> dict[str, str]:
    return {f["rule_id"]: f["severity"] for f in json.loads(output)["findings"]}


def test_live_and_test_key_fail_on_high_exits_1(tmp_path: Path, run_cli: Invoke) -> None:
    root = _tree(tmp_path / "both", LIVE, TEST)
    result = run_cli("scan", str(root), "--fail-on", "high", "-f", "json")
    assert result.exit_code == 1
    assert _rules(result.stdout) == {"stripe.secret-key-live": "critical", "stripe.secret-key-test": "low"}


def test_only_test_key_is_reported_but_passes_fail_on_high(tmp_path: Path, run_cli: Invoke) -> None:
    root = _tree(tmp_path / "test-only", TEST)
    result = run_cli("scan", str(root), "--fail-on", "high", "-f", "json")
    assert result.exit_code == 0
    assert _rules(result.stdout) == {"stripe.secret-key-test": "low"}


def test_only_test_key_still_fails_by_default(tmp_path: Path, run_cli: Invoke) -> None:
    root = _tree(tmp_path / "default", TEST)
    assert run_cli("scan", str(root), "-f", "json").exit_code == 1


@pytest.mark.parametrize(
    ("rule_id", "value"),
    [
        (
            "pypi.test-api-token",
            "pypi-AgENdGVzdC5weXBpLm9yZwIkNWE1ODQyMDctYjJiZS00NmIzLTkwNTMtZjE4YWM4ODU5MmM4AAIieyJ2ZXJzaW9uIjoxLCJwZXJtaXNzaW9ucyI6InVzZXIifQAABiBm36t0Psll-AUovlr3lGskRM89U3-S1yIY8nmg89YEtA",
        ),
        ("flutterwave.secret-key-test", "FLWSECK_TEST-" + _hex(32, 5) + "-X"),
        (
            "paddle.api-key-sandbox",
            "pdl_sdbx_apikey_01zeg7qb4j03ndrsnsrtq5b2qs_XCot2PoPUtg3SUunWZTRTpysCW",
        ),
    ],
)
def test_other_providers_test_keys_pass_fail_on_high(
    tmp_path: Path, run_cli: Invoke, rule_id: str, value: str
) -> None:
    root = tmp_path / "other"
    root.mkdir()
    (root / "settings.py").write_text(f"KEY = '{value}'\n")
    result = run_cli("scan", str(root), "--fail-on", "high", "-f", "json")
    assert result.exit_code == 0
    assert _rules(result.stdout) == {rule_id: "low"}


def test_min_severity_hides_test_keys_and_they_no_longer_fail(tmp_path: Path, run_cli: Invoke) -> None:
    root = _tree(tmp_path / "min", LIVE, TEST)
    both = run_cli("scan", str(root), "--min-severity", "medium", "-f", "json")
    assert both.exit_code == 1 and _rules(both.stdout) == {"stripe.secret-key-live": "critical"}
    only_test = _tree(tmp_path / "min-test", TEST)
    hidden = run_cli("scan", str(only_test), "--min-severity", "medium", "-f", "json")
    assert hidden.exit_code == 0 and _rules(hidden.stdout) == {}
    text = run_cli("scan", str(only_test), "--min-severity", "low", "--no-color")
    assert text.exit_code == 1 and "stripe.secret-key-test" in text.output
