"""No secret leaves a fleet audit in clear (tests/test_no_leak.py's check, on `spillguard fleet scan`):
its progress bar on a terminal, stderr, the inventory in every format, the summary, the SARIF reports,
and everything in the state directory but the mirrors (copies of the repositories) hold none of the
planted values, their MD5, SHA-1 or SHA-256 hex, nor spillguard's unsalted secret hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.fingerprint import secret_hash
from tests.conftest import Invoke
from tests.test_no_leak import SECRETS, _on_a_terminal, assert_no_secret, files_under, planted  # noqa: F401

pytest.importorskip("distributed")


def test_a_fleet_audit_holds_no_secret(planted: Path, tmp_path: Path, run_cli: Invoke) -> None:  # noqa: F811
    out, state = tmp_path / "out", tmp_path / "state"
    out.mkdir()
    source = f"file://{planted}"
    shown = _on_a_terminal(
        tmp_path,
        "fleet",
        "scan",
        source,
        "--state",
        str(state),
        "-o",
        str(out / "inventory.html"),
        "--summary",
        str(out / "summary.json"),
        "--sarif-dir",
        str(out / "sarif"),
        "-v",
    )
    assert "1/1" in shown and "credentials" in shown, shown[-800:]  # the bar was drawn
    assert_no_secret(shown, "the fleet's terminal output")
    for fmt in ("json", "csv", "markdown"):
        result = run_cli("fleet", "scan", source, "--state", str(state), "-f", fmt, "-v", cwd=tmp_path)
        assert result.exit_code == 1, result.output
        assert_no_secret(result.output, f"fleet scan -f {fmt}")
    written = [(p, t) for p, t in files_under(out, state) if "mirror.git" not in p.parts]
    assert {p.name for p, _ in written} >= {
        "inventory.html",
        "summary.json",
        "checkpoint.json",
        "inventory-key",
    }
    assert any(p.suffix == ".sarif" for p, _ in written) and any(p.suffix == ".sqlite" for p, _ in written)
    hashes = [secret_hash(s) for s in SECRETS]
    for path, text in written:
        assert_no_secret(text, str(path))
        assert not [h for h in hashes if h in text], path
    found = json.loads(
        run_cli("fleet", "scan", source, "--state", str(state), "-f", "json", cwd=tmp_path).stdout
    )
    assert len(found["credentials"]) >= 4  # they were found: their absence above is not for want of findings
