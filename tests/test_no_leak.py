"""No secret value leaves the process in clear unless the user asked for it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Invoke
from tests.tokens import aws_access_key_id, github_token

SECRETS = (github_token(), aws_access_key_id())


def plant(root: Path) -> None:
    (root / "a.env").write_text(f"GITHUB_TOKEN={SECRETS[0]}\nAWS_ACCESS_KEY_ID={SECRETS[1]}\n")
    (root / "b.py").write_text(f"tok = '{SECRETS[0]}'  # twice\n")


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
        assert secret[4:20] not in text  # nor a large part of it


def test_reports_hold_no_secret(tmp_path: Path, run_cli: Invoke) -> None:
    plant(tmp_path)
    for fmt in ("text", "json", "sarif"):
        result = run_cli("scan", "-f", fmt, "-v", "--color", cwd=tmp_path)
        assert result.exit_code == 1
        assert_no_secret(result.output)
        out = tmp_path.parent / f"out.{fmt}"
        run_cli("scan", "-f", fmt, "-o", str(out), cwd=tmp_path)
        assert_no_secret(out.read_text())


def test_errors_hold_no_secret(tmp_path: Path, run_cli: Invoke) -> None:
    plant(tmp_path)
    bad_rule = tmp_path.parent / "bad.yml"
    bad_rule.write_text(f"rules:\n  - id: x.y\n    pattern: '{SECRETS[0]}('\n")
    result = run_cli("scan", "--rules", str(bad_rule), cwd=tmp_path)
    assert result.exit_code == 2
    assert_no_secret(result.output)
    bad_config = tmp_path / ".spillguard.yml"
    bad_config.write_text(f"{SECRETS[0]}: [\n")
    result = run_cli("scan", cwd=tmp_path)
    assert result.exit_code == 2
    assert_no_secret(result.output)
