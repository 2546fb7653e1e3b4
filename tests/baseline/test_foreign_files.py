"""Other scanners' baselines, ignore files and reports are not scanned as sources of secrets (each is a
notice, counted as skipped), so a project that imported one passes `scan -b` right away; `baseline
import` says why each foreign entry it could not match did not match."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scanner.sources.foreign import foreign_file
from tests.conftest import Invoke

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "import"
BASELINE = ".spillguard-baseline.json"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """The import fixtures' project with detect-secrets' baseline and gitleaks' report committed in it."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "project", root)
    shutil.copy(FIXTURES / "detect-secrets.baseline", root / ".secrets.baseline")
    shutil.copy(FIXTURES / "gitleaks-report.json", root / "security-report.json")
    shutil.copy(FIXTURES / "betterleaks.json", root / "leaks.json")
    shutil.copy(FIXTURES / "gitleaksignore", root / ".gitleaksignore")
    return root


def test_import_then_scan_with_the_baseline_passes(project: Path, run_cli: Invoke) -> None:
    imported = run_cli("baseline", "import", "detect-secrets", ".secrets.baseline", cwd=project)
    assert imported.exit_code == 0, imported.output
    result = run_cli("scan", "-b", BASELINE, "-f", "json", "-q", "-v", "--show-known", cwd=project)
    data = json.loads(result.stdout)
    # no hashed_secret of .secrets.baseline, no quoted secret of the reports is a finding: only the
    # project's own files are (the token detect-secrets' audit marked real still fails, as it must)
    assert {f["path"] for f in data["findings"]} == {"config.py", "deploy.env"}
    notices = {n["path"]: n["message"] for n in data["notices"]}
    assert notices[".secrets.baseline"].startswith(
        "a detect-secrets baseline: not scanned as a source of secrets"
    )
    assert notices["security-report.json"].startswith("a gitleaks report: not scanned")
    assert "a report that quotes secrets in clear is itself a leak" in notices["security-report.json"]
    assert notices["leaks.json"].startswith("a betterleaks report: not scanned")
    assert notices[".gitleaksignore"].startswith("a gitleaks ignore file: not scanned")
    assert data["stats"]["skipped_allowlisted"] == 4


def test_import_says_why_entries_did_not_match(project: Path, run_cli: Invoke) -> None:
    (project / "config.py").write_text("\n\n\n\n\n" + (project / "config.py").read_text())  # lines moved
    result = run_cli("baseline", "import", "gitleaks", "security-report.json", cwd=project)
    assert result.exit_code == 0
    assert "2 of 3 gitleaks entries matched no current finding" in result.output
    reasons = [line.strip() for line in result.output.splitlines() if line.startswith("  not matched: ")]
    assert any(r.startswith("not matched: config.py:4: no finding on this line") for r in reasons), reasons
    assert any("no such file in the scanned source" in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        ("x/.secrets.baseline", "anything", "a detect-secrets baseline"),
        ("conf.json", '{"plugins_used": [], "results": {}}', "a detect-secrets baseline"),
        ("r.json", '[{"RuleID": "x", "Fingerprint": "f", "Secret": "s"}]', "a gitleaks report"),
        ("r.json", '\ufeff {"findings": [{"location": {"path": "a"}}]}', "a betterleaks report"),
        ("r.json", '{"findings": []}', None),  # nothing to tell it from any other JSON
        ("r.json", '{"results": {"x": 1}}', None),
        ("r.json", '[{"RuleID": "x"}]', None),
        ("r.json", '{"results": [', None),  # not JSON: scanned as text
        ("r.txt", "RuleID results findings", None),
        ("r.json", None, None),  # not read whole (a diff, a window): only names decide
    ],
)
def test_foreign_files_by_name_and_shape(path: str, text: str | None, kind: str | None) -> None:
    assert foreign_file(path, text) == kind
