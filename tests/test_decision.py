"""scanner.decision: what a run reports (`at_or_above`: --min-severity, on findings and on history
groups; `visible`: with a baseline) and what fails it (`still_failing`, `failing`: --fail-on), and what
SARIF marks suppressed."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.decision import at_or_above, failing, still_failing, suppressed, visible
from scanner.model import (
    BaselineView,
    KnownMark,
    Policy,
    Report,
    ReviewStatus,
    ScanStats,
    SecretGroup,
    Severity,
)
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


def _live_and_test(tmp_path: Path) -> Report:
    (tmp_path / "a.py").write_text(f"k = '{_stripe('live')}'\nt = '{_stripe('test')}'\n")
    return scan_paths((str(tmp_path),), CompiledRuleset(load_rules()), Policy(), 1)


def _mark(status: ReviewStatus, expired: bool = False) -> KnownMark:
    return KnownMark(status, None, still_failing(status, expired))


def test_a_known_finding_still_fails_while_real_or_past_its_expiry() -> None:
    assert still_failing(ReviewStatus.REAL, expired=False)
    assert still_failing(ReviewStatus.ACCEPTED_RISK, expired=True)
    assert not still_failing(ReviewStatus.ACCEPTED_RISK, expired=False)
    assert not still_failing(ReviewStatus.FALSE_POSITIVE, expired=False)
    assert not still_failing(ReviewStatus.UNREVIEWED, expired=False)


def test_what_is_listed_and_what_fails_with_a_baseline(tmp_path: Path) -> None:
    report = _live_and_test(tmp_path)
    live, test = sorted(report.findings, key=lambda f: f.rule_id)
    assert (live.rule_id, test.rule_id) == ("stripe.secret-key-live", "stripe.secret-key-test")
    assert visible(report) == report.findings and failing(report, Severity.LOW)
    known = BaselineView(((live.fingerprint, _mark(ReviewStatus.ACCEPTED_RISK)),), gone=0)
    judged = Report(report.findings, report.rules, report.stats, baseline=known)
    assert visible(judged) == (test,)
    assert failing(judged, Severity.LOW)  # the test key is new
    assert not failing(judged, Severity.HIGH)  # the live key is known and accepted
    assert failing(judged, None)  # --fail-on new: the test key
    shown = Report(report.findings, report.rules, report.stats, baseline=BaselineView(known.known, 0, True))
    assert visible(shown) == report.findings
    real = BaselineView(
        (
            (live.fingerprint, _mark(ReviewStatus.REAL)),
            (test.fingerprint, _mark(ReviewStatus.FALSE_POSITIVE)),
        ),
        0,
    )
    both_known = Report(report.findings, report.rules, report.stats, baseline=real)
    assert visible(both_known) == (live,)
    assert failing(both_known, Severity.HIGH)  # a real secret fails until rotated
    assert not failing(both_known, None)  # --fail-on new: nothing new


def test_only_reviewed_false_positives_and_accepted_risks_are_suppressed() -> None:
    assert suppressed(_mark(ReviewStatus.FALSE_POSITIVE))
    assert suppressed(_mark(ReviewStatus.ACCEPTED_RISK))
    assert not suppressed(_mark(ReviewStatus.ACCEPTED_RISK, expired=True))
    assert not suppressed(_mark(ReviewStatus.UNREVIEWED))
    assert not suppressed(_mark(ReviewStatus.REAL))
