"""The formats CI reads: Markdown (a job summary) and GitHub workflow-command annotations, and
`--also-write`, which writes several formats from one scan. Text from the scanned repository is inert in
both: it can neither add Markdown or HTML nor end a workflow command."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scanner.fingerprint import fingerprint, secret_hash
from scanner.model import Finding, Location, Report, ScanStats
from scanner.reporters import RenderOptions
from scanner.reporters.github import MAX_ANNOTATIONS, escape_data, escape_property
from scanner.reporters.github import render as github_render
from scanner.reporters.markdown import MAX_ROWS, escape
from scanner.reporters.markdown import render as markdown
from scanner.ruleset.loader import load_rules
from tests.conftest import Invoke
from tests.tokens import aws_access_key_id, github_token

TOKEN = github_token()
KEY = aws_access_key_id()
HOSTILE = "a|b`c*[x](https:evil.example)<img src=x>&amp;_:d.py"


def test_markdown_table_escapes_what_the_repository_controls(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / HOSTILE).write_text(f"t = '{TOKEN}'\n")
    result = run_cli("scan", "-f", "markdown", "-q", cwd=tmp_path)
    assert result.exit_code == 1
    text = result.stdout
    assert text.startswith("### spillguard: 1 secret fails this run\n")
    (row,) = [line for line in text.splitlines() if line.startswith("| **new")]
    assert row.count("|") == 7  # six cells: the file name's `|` did not add one
    for raw in ("](https:evil", "<img", "`c", "*[", "&amp;"):
        assert raw not in row, raw
    assert escape(HOSTILE) in row and "ghp&#95;u8…XH" in row  # redacted
    assert "[revoke or rotate](https://github.com/settings/tokens)" in row
    assert TOKEN not in text


def test_markdown_links_only_plain_https_urls(tmp_path: Path, run_cli: Invoke) -> None:
    rules = tmp_path / "r.yml"
    rules.write_text(
        "rules:\n  - id: user.tok\n    name: User token\n    description: d.\n    severity: high\n"
        "    confidence: high\n    keywords: [usertok_]\n    pattern: '(?P<secret>usertok_[a-z0-9]{16})'\n"
        "    examples: {positive: ['usertok_abcdefgh12345678'], negative: ['usertok_x']}\n"
        "    remediation: {summary: Rotate., rotate: [Rotate.], "
        "revoke_url: 'https://example.invalid/x)[y](javascript:alert(1)'}\n"
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("u = 'usertok_q1w2e3r4t5y6u7i8'\n")
    text = run_cli("scan", "src", "--rules", str(rules), "-f", "markdown", "-q", cwd=tmp_path).stdout
    assert "javascript" not in text and "`spillguard rules explain user.tok`" in text


def _report(count: int) -> Report:
    found = []
    for number in range(count):
        path, secret = f"f{number:03}.py", f"secret-{number}"
        hashed = secret_hash(secret)
        found.append(
            Finding(
                "github.pat-classic",
                Location(path, 1, 5, 1, 45),
                hashed,
                fingerprint("github.pat-classic", path, hashed),
                "ghp_ab…yz",
                4.0,
            )
        )
    return Report(tuple(found), tuple(load_rules()), ScanStats(files=count))


def test_markdown_rows_are_capped() -> None:
    text = markdown(_report(MAX_ROWS + 7), RenderOptions())
    assert sum(line.startswith("| **new") for line in text.splitlines()) == MAX_ROWS
    assert "7 more findings are in the SARIF and JSON reports." in text


def test_markdown_without_findings_and_with_unread_files(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * 50)
    text = run_cli("scan", "--max-file-size", "10", "-f", "markdown", "-q", cwd=tmp_path).stdout
    assert text.startswith("### spillguard: no secrets found\n")
    assert "**Not fully read (1):**" in text and "big.py: larger than --max-file-size" in text


def test_workflow_command_escaping() -> None:
    assert escape_data("50% done\r\nnext::cmd") == "50%25 done%0D%0Anext::cmd"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_annotations_error_for_failing_warning_for_the_rest(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "a.py").write_text(f"t = '{TOKEN}'\n")  # high
    (tmp_path / "b\nc,d.py").write_text(f"k = '{KEY}'\n")  # critical
    result = run_cli("scan", "-f", "github", "-q", "--fail-on", "critical", cwd=tmp_path)
    assert result.exit_code == 1
    critical, high = result.stdout.splitlines()  # most severe first
    assert critical.startswith("::error file=b%0Ac%2Cd.py,line=1,endLine=1,col=6,")
    assert high.startswith("::warning file=a.py,line=1,")  # listed, below --fail-on: does not fail
    for line in (critical, high):
        assert re.match(r"^::(error|warning) [^:]*title=spillguard%3A [^:]+::", line), line
    assert TOKEN not in result.stdout and KEY not in result.stdout


def test_annotations_are_capped_with_a_notice() -> None:
    lines = github_render(_report(MAX_ANNOTATIONS + 3), RenderOptions()).splitlines()
    assert len(lines) == MAX_ANNOTATIONS + 1
    assert (
        lines[-1] == "::notice title=spillguard::3 more findings are in the job summary and the SARIF report"
    )


def test_also_write_writes_every_format_from_one_scan(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(f"t = '{TOKEN}'\n")
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(
        "scan", "src", "-f", "sarif", "-o", str(out / "r.sarif"), "-q",
        "--also-write", f"json={out / 'r.json'}",
        "--also-write", f"markdown={out / 'r.md'}",
        "--also-write", f"github={out / 'r.txt'}",
        "--also-write", f"text={out / 'r.log'}",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads((out / "r.json").read_text()) == json.loads(
        run_cli("scan", "src", "-f", "json", "-q", cwd=tmp_path).stdout
    )
    assert "github.pat-classic" in (out / "r.md").read_text() and (out / "r.txt").read_text().startswith(
        "::error"
    )
    assert "\x1b[" not in (out / "r.log").read_text()  # never coloured
    sarif = json.loads((out / "r.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == 1


def test_also_write_bad_values_are_usage_errors(tmp_path: Path, run_cli: Invoke) -> None:
    for value in ("json", "xml=out.xml", "json=", "json=-"):
        result = run_cli("scan", "--also-write", value, cwd=tmp_path)
        assert result.exit_code == 2 and "expected FORMAT=FILE" in result.output, result.output
