"""`at_or_above`: the library side of --min-severity, on findings and on history groups."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.decision import at_or_above
from scanner.model import Policy, Report, ScanStats, SecretGroup, Severity
from scanner.modes.workdir import scan_paths
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules
from tests.cli.test_fail_on_test_keys import LIVE, TEST
from tests.conftest import Invoke
from tests.modes.test_git_modes import commit_file


def _stripe(mode: str) -> str:
    return LIVE if mode == "live" else TEST


def test_keeps_findings_at_or_above_and_their_groups(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f"k = '{_stripe('live')}'\nt = '{_stripe('test')}'\n")
    ruleset = CompiledRuleset(load_rules())
    report = scan_paths((str(tmp_path),), ruleset, Policy(), 1)
    assert sorted(f.rule_id for f in report.findings) == ["stripe.secret-key-live", "stripe.secret-key-test"]
    groups = tuple(
        SecretGroup(f.rule_id, f.preview, f.location, (f.location.path,), 1, True, (f.fingerprint,))
        for f in report.findings
    )
    with_groups = Report(report.findings, report.rules, ScanStats(files=1), groups=groups)
    kept = at_or_above(with_groups, Severity.MEDIUM)
    assert [f.rule_id for f in kept.findings] == ["stripe.secret-key-live"]
    assert [g.rule_id for g in kept.groups] == ["stripe.secret-key-live"]
    assert kept.stats == with_groups.stats
    assert at_or_above(with_groups, Severity.LOW) is with_groups
    assert at_or_above(with_groups, Severity.CRITICAL).findings == kept.findings  # live keys are critical


def test_history_groups_follow_min_severity(repo: Path, run_cli: Invoke) -> None:
    commit_file(repo, "a.py", f"t = '{_stripe('test')}'\n")
    commit_file(repo, "b.py", f"k = '{_stripe('live')}'\n")
    args = ("scan", "--history", "--no-cache", "-f", "json", "-q", "--min-severity", "high")
    result = run_cli(*args, cwd=repo)
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [g["rule_id"] for g in data["groups"]] == ["stripe.secret-key-live"]
    assert [f["rule_id"] for f in data["findings"]] == ["stripe.secret-key-live"]
