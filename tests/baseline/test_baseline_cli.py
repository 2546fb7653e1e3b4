"""Baseline identity, file format and commands, through the CLI against real directories and git."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from scanner.fingerprint import secret_hash
from tests.conftest import Invoke, git, git_run
from tests.sarif_schema import sarif_schema_validator
from tests.tokens import github_token

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "import"
BASELINE = ".spillguard-baseline.json"
T1 = github_token(rng=random.Random(1))
T2 = github_token(rng=random.Random(2))
T3 = github_token(rng=random.Random(3))


@pytest.fixture()
def project(repo: Path) -> Path:
    (repo / "app.py").write_text(f"import os\nTOKEN = '{T1}'\n")
    (repo / "lib.py").write_text(f"KEY = '{T2}'\n")
    return repo


def scan_json(run_cli: Invoke, cwd: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = run_cli("scan", "-b", BASELINE, "-f", "json", "-q", *args, cwd=cwd)
    return result.exit_code, json.loads(result.stdout)


def entries(cwd: Path) -> list[dict]:  # type: ignore[type-arg]
    return json.loads((cwd / BASELINE).read_text())["entries"]  # type: ignore[no-any-return]


def set_status(cwd: Path, path: str, status: str, expires: str | None = None) -> None:
    """What `baseline audit` writes: the status and review fields of one entry."""
    data = json.loads((cwd / BASELINE).read_text())
    for entry in data["entries"]:
        if entry["path"] == path:
            entry["status"], entry["expires"] = status, expires
    (cwd / BASELINE).write_text(json.dumps(data))


def test_round_trip_gives_zero_new(project: Path, run_cli: Invoke) -> None:
    created = run_cli("baseline", "create", cwd=project)
    assert created.exit_code == 0 and "2 entries" in created.output
    code, data = scan_json(run_cli, project)
    assert code == 0 and data["findings"] == []
    assert data["baseline"] == {"new": 0, "known": 2, "known_failing": 0, "gone": 0}


def test_line_insertion_above_findings_gives_zero_new(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    (project / "app.py").write_text("# a\n# b\n\n" + (project / "app.py").read_text())
    code, data = scan_json(run_cli, project)
    assert code == 0 and data["baseline"]["new"] == 0


def test_changed_secret_on_an_ignored_line_is_new(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    (project / "app.py").write_text(f"import os\nTOKEN = '{T3}'\n")  # same line, another secret
    code, data = scan_json(run_cli, project)
    assert code == 1
    assert [(f["path"], f["line"], f["baseline"]["state"]) for f in data["findings"]] == [
        ("app.py", 2, "new")
    ]


def test_rotation_is_one_new_and_the_old_entry_goes_stale(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    (project / "lib.py").write_text(f"KEY = '{T3}'\n")
    code, data = scan_json(run_cli, project)
    assert code == 1 and data["baseline"]["new"] == 1 and data["baseline"]["gone"] == 1
    report = json.loads(run_cli("baseline", "report", "-f", "json", cwd=project).stdout)
    assert [(e["path"], e["rule_id"]) for e in report["stale"]] == [("lib.py", "github.pat-classic")]


def test_same_secret_in_two_files_is_two_entries_one_secret(repo: Path, run_cli: Invoke) -> None:
    (repo / "a.py").write_text(f"T = '{T1}'\n")
    (repo / "b.py").write_text(f"T = '{T1}'\n")
    run_cli("baseline", "create", cwd=repo)
    listed = entries(repo)
    assert [e["path"] for e in listed] == ["a.py", "b.py"]
    assert listed[0]["secret_hash"] == listed[1]["secret_hash"]
    assert listed[0]["fingerprint"] != listed[1]["fingerprint"]


def test_no_secret_nor_unsalted_hash_in_the_file(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    text = (project / BASELINE).read_text()
    for token in (T1, T2):
        assert token not in text and token[4:20] not in text
        assert secret_hash(token) not in text
        for algorithm in ("sha1", "sha256", "md5"):
            import hashlib

            assert hashlib.new(algorithm, token.encode()).hexdigest() not in text
    findings = json.loads(run_cli("scan", "-f", "json", "-q", cwd=project).stdout)["findings"]
    assert not any(f["fingerprint"] in text for f in findings)


def test_file_is_deterministic_and_sorted(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    first = (project / BASELINE).read_text()
    run_cli("baseline", "update", cwd=project)
    assert (project / BASELINE).read_text() == first
    lines = first.splitlines()
    assert lines[0] == "{" and '"entries": [' in lines[1]
    assert [json.loads(line.strip().rstrip(","))["path"] for line in lines[2:4]] == ["app.py", "lib.py"]


def test_real_and_expired_entries_still_fail_unless_fail_on_new(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    set_status(project, "app.py", "real")
    code, data = scan_json(run_cli, project)
    assert code == 1 and [f["path"] for f in data["findings"]] == ["app.py"]
    assert data["findings"][0]["baseline"] == {
        "state": "known",
        "status": "real",
        "reason": None,
        "failing": True,
        "expires": None,
    }
    assert scan_json(run_cli, project, "--fail-on", "new")[0] == 0
    set_status(project, "app.py", "accepted_risk", expires="2001-01-01")
    assert scan_json(run_cli, project)[0] == 1
    set_status(project, "app.py", "accepted_risk", expires="2999-01-01")
    assert scan_json(run_cli, project)[0] == 0


def test_show_known_lists_every_known_finding(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    text = run_cli("scan", "-b", BASELINE, "--show-known", "--no-color", cwd=project)
    assert text.exit_code == 0 and "[known: unreviewed]" in text.output
    assert "2 findings (0 new, 2 known of which 0 still failing)" in text.output


def test_sarif_baseline_state_and_suppressions(project: Path, run_cli: Invoke) -> None:
    """Known findings that do not fail are not uploaded as alerts; with --show-known they are listed,
    unchanged, and those reviewed as false positives or accepted risks are suppressed."""
    run_cli("baseline", "create", cwd=project)
    set_status(project, "lib.py", "false_positive")
    (project / "new.py").write_text(f"T = '{T3}'\n")

    def results(*extra: str) -> dict[str, dict]:  # type: ignore[type-arg]
        result = run_cli("scan", "-b", BASELINE, *extra, "-f", "sarif", "-q", cwd=project)
        log = json.loads(result.stdout)
        sarif_schema_validator().validate(log)
        return {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r
            for r in log["runs"][0]["results"]
        }

    assert {uri: r["baselineState"] for uri, r in results().items()} == {"new.py": "new"}
    shown = results("--show-known")
    assert shown["new.py"]["baselineState"] == "new"
    assert shown["app.py"]["baselineState"] == "unchanged" and "suppressions" not in shown["app.py"]
    assert shown["lib.py"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "false positive"}
    ]
    set_status(project, "app.py", "real")  # a known real secret still fails: it stays an open alert
    assert {uri: r["baselineState"] for uri, r in results().items()} == {
        "app.py": "unchanged",
        "new.py": "new",
    }


def test_update_keeps_reviews_adds_new_and_prunes_only_in_scope(project: Path, run_cli: Invoke) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "deep.py").write_text(f"T = '{T3}'\n")
    run_cli("baseline", "create", cwd=project)
    set_status(project, "app.py", "false_positive")
    (project / "lib.py").write_text("KEY = None\n")  # removed
    (project / "sub" / "deep.py").write_text("T = None\n")  # removed, outside the next scope
    (project / "new.py").write_text(f"T = '{T2}'\n")
    result = run_cli("baseline", "update", ".", cwd=project)
    assert "1 added, 2 removed" in result.output
    result = run_cli("baseline", "create", "--force", cwd=project)
    run_cli("baseline", "update", "sub", cwd=project)
    assert [e["path"] for e in entries(project)] == ["app.py", "new.py"]


def test_update_from_a_staged_scan_never_prunes(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    git(project, "add", "app.py")
    result = run_cli("baseline", "update", "--staged", cwd=project)
    assert result.exit_code == 0 and "0 added, 0 removed, 2 entries" in result.output


def test_create_from_history_and_scan_history_with_baseline(project: Path, run_cli: Invoke) -> None:
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "secrets")
    assert run_cli("baseline", "create", "--history", "--no-cache", cwd=project).exit_code == 0
    code, data = scan_json(run_cli, project, "--history", "--no-cache")
    assert code == 0 and data["baseline"]["known"] == 2


def test_create_refuses_to_overwrite(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    result = run_cli("baseline", "create", cwd=project)
    assert result.exit_code == 2 and "already exists" in result.output


def test_two_branches_adding_entries_merge_cleanly(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "baseline")
    git(project, "checkout", "-q", "-b", "one")
    (project / "aaa.py").write_text(f"T = '{github_token(rng=random.Random(11))}'\n")
    run_cli("baseline", "update", cwd=project)
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "one")
    git(project, "checkout", "-q", "main")
    (project / "zzz.py").write_text(f"T = '{github_token(rng=random.Random(12))}'\n")
    run_cli("baseline", "update", cwd=project)
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "two")
    merged = git_run(project, "merge", "-q", "--no-edit", "one")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert [e["path"] for e in entries(project)] == ["aaa.py", "app.py", "lib.py", "zzz.py"]
    assert scan_json(run_cli, project)[0] == 0  # the merged file loads and covers everything


def test_audit_every_answer(project: Path, run_cli: Invoke) -> None:
    (project / "zzz.py").write_text(f"T = '{T3}'\n")
    run_cli("baseline", "create", cwd=project)
    # entries in order: app.py, lib.py, zzz.py
    answers = (
        "\n".join(
            [
                "s",  # skip app.py
                "b",  # back to app.py
                "r",  # app.py: real
                "a",
                "vendor test key, rotated monthly",
                "2999-12-31",  # lib.py: accepted risk
                "q",  # stop before zzz.py
            ]
        )
        + "\n"
    )
    result = run_cli("baseline", "audit", "--reviewer", "alice@example.invalid", cwd=project, input=answers)
    assert result.exit_code == 0, result.output
    assert T1 not in result.output and "ghp_" in result.output  # context shown, redacted
    assert "TOKEN = 'ghp_" in result.output and ">    2 | TOKEN" in result.output
    saved = {e["path"]: e for e in entries(project)}
    assert saved["app.py"]["status"] == "real" and saved["app.py"]["reviewer"] == "alice@example.invalid"
    assert saved["lib.py"]["status"] == "accepted_risk"
    assert saved["lib.py"]["reason"] == "vendor test key, rotated monthly"
    assert saved["lib.py"]["expires"] == "2999-12-31"
    assert saved["zzz.py"]["status"] == "unreviewed"
    again = run_cli("baseline", "audit", "--reveal", cwd=project, input="f\n\n")
    assert T3 in again.output  # --reveal shows the value
    assert {e["path"]: e["status"] for e in entries(project)}["zzz.py"] == "false_positive"


def test_report_counts(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    set_status(project, "app.py", "accepted_risk", expires="2001-01-01")
    data = json.loads(run_cli("baseline", "report", "-f", "json", cwd=project).stdout)
    assert data["entries"] == 2
    assert data["by_status"] == {"unreviewed": 1, "real": 0, "false_positive": 0, "accepted_risk": 1}
    assert [e["path"] for e in data["unreviewed"]] == ["lib.py"]
    assert [e["path"] for e in data["expired"]] == ["app.py"] and data["stale"] == []
    text = run_cli("baseline", "report", "--no-scan", cwd=project).output
    assert "2 entries" in text and "expired (1):" in text


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: "{not json", "not valid JSON"),
        (lambda t: t.replace('"version": 1', '"version": 7'), "version 7 is newer"),
        (lambda t: t.replace('"version": 1', '"version": 0'), "version 0 cannot be upgraded"),
        (lambda t: t.replace("spillguard-baseline-v1", "sha1-v0"), "unknown identity algorithm 'sha1-v0'"),
        (
            lambda t: t.replace('"status": "unreviewed", ', "", 1).replace(
                ', "status": "unreviewed"}', "}", 1
            ),
            "is missing status",
        ),
        (lambda t: t.replace('"path": "app.py"', '"path": "other.py"'), "does not match its fingerprint"),
        (lambda t: t.replace('"status": "unreviewed"', '"status": "maybe"', 1), "status must be one of"),
        (lambda t: t.replace('"n": 256', '"n": 1048576'), "hash.n must be an integer from 1 to 65536"),
        (
            lambda t: json.dumps({**json.loads(t), "entries": json.loads(t)["entries"] * 2}),
            "duplicates fingerprint",
        ),
        (lambda t: "[]", "expected a JSON object"),
    ],
)
def test_bad_baseline_is_one_line_exit_2(project: Path, run_cli: Invoke, mutate, message: str) -> None:
    run_cli("baseline", "create", cwd=project)
    path = project / BASELINE
    path.write_text(mutate(path.read_text()))
    for args in (("scan", "-b", BASELINE), ("baseline", "update"), ("baseline", "report", "--no-scan")):
        result = run_cli(*args, cwd=project)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and result.output.count("\n") == 1
        assert result.output.startswith(f"spillguard: error: {BASELINE}")


def test_missing_baseline_file(project: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "-b", "nope.json", cwd=project)
    assert result.exit_code == 2 and "nope.json: baseline file not found" in result.output


def test_upgrade_rewrites_current_version(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    before = (project / BASELINE).read_text()
    (project / BASELINE).write_text(json.dumps(json.loads(before)))  # reformatted by hand
    assert run_cli("baseline", "upgrade", cwd=project).exit_code == 0
    assert (project / BASELINE).read_text() == before


def test_hook_uses_baseline_and_refuses_unstaged_changes(project: Path, run_cli: Invoke) -> None:
    run_cli("baseline", "create", cwd=project)
    git(project, "add", ".")
    assert run_cli("hook", cwd=project).exit_code == 0  # both secrets are known
    baseline_before = (project / BASELINE).read_text()
    (project / "more.py").write_text(f"T = '{T3}'\n")
    git(project, "add", "more.py")
    blocked = run_cli("hook", cwd=project)
    assert blocked.exit_code == 1 and "more.py:1:6" in blocked.output and "app.py" not in blocked.output
    assert (project / BASELINE).read_text() == baseline_before  # the hook never writes it
    (project / BASELINE).write_text(baseline_before.replace('"tool"', '"tool" '))
    refused = run_cli("hook", cwd=project)
    assert refused.exit_code == 2 and "has unstaged changes" in refused.output


def _import_project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "project", target)
    return target


@pytest.mark.parametrize(
    ("fmt", "sample", "expected", "unmatched"),
    [
        (
            "detect-secrets",
            "detect-secrets.baseline",
            {
                ("config.py", "github.pat-classic"): "real",
                ("deploy.env", "aws.access-key-id"): "false_positive",
            },
            "0 of 3",
        ),
        (
            "betterleaks",
            "betterleaks.json",
            {
                ("config.py", "github.pat-classic"): "unreviewed",
                ("deploy.env", "generic.password-assignment"): "unreviewed",
            },
            "0 of 2",
        ),
        (
            "gitleaks",
            "gitleaks-report.json",
            {
                ("config.py", "github.pat-classic"): "unreviewed",
                ("deploy.env", "generic.password-assignment"): "unreviewed",
            },
            "1 of 3",
        ),
        (
            "gitleaksignore",
            "gitleaksignore",
            {("deploy.env", "generic.password-assignment"): "false_positive"},
            "1 of 2",
        ),
    ],
)
def test_import(
    tmp_path: Path,
    run_cli: Invoke,
    fmt: str,
    sample: str,
    expected: dict[tuple[str, str], str],
    unmatched: str,
) -> None:
    project = _import_project(tmp_path)
    result = run_cli("baseline", "import", fmt, str(FIXTURES / sample), cwd=project)
    assert result.exit_code == 0, result.output
    assert f"{unmatched} {fmt} entries matched no current finding" in result.output
    assert {(e["path"], e["rule_id"]): e["status"] for e in entries(project)} == expected
    assert "ghp_" not in (project / BASELINE).read_text()


def test_import_bad_file(tmp_path: Path, run_cli: Invoke) -> None:
    project = _import_project(tmp_path)
    (tmp_path / "bad.json").write_text('{"results": 3}')
    result = run_cli("baseline", "import", "detect-secrets", str(tmp_path / "bad.json"), cwd=project)
    assert result.exit_code == 2 and "not a detect-secrets baseline" in result.output
