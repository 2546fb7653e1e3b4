"""Terminal and report injection: a path, commit message, author or file content holding ANSI escapes,
control characters, OSC 8 hyperlinks, C1 controls or bidi overrides (Trojan Source) never reaches the
terminal raw, in any text output or error; JSON and SARIF stay valid for any bytes in paths."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import Invoke, git, git_run
from tests.sarif_schema import assert_valid
from tests.tokens import github_token

TOKEN = github_token()

# Everything a terminal would act on: ESC (CSI, OSC 8 hyperlink), BEL, backspace, CR, C1 controls
# (NEL, CSI as one code point), bidi overrides and isolates.
HOSTILE = (
    "\x1b[2J\x1b]8;;https://attacker.example/\x07click\x1b]8;;\x07"
    "\x08\r\x85\x9b31m\u202e\u2066\u2067\u2068\u2069"
)
FORBIDDEN = ("\x1b", "\x07", "\x08", "\r", "\x85", "\x9b", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069")
NAME = f"cfg{HOSTILE.replace('/', '%')}.env"  # a path component cannot hold "/"
ESCAPED_NAME = "cfg\\x1b[2J\\x1b]8;;https:%%attacker.example%\\x07click\\x1b]8;;\\x07\\x08\\x0d\\x85\\x9b31m"


def assert_clean(output: str) -> None:
    for char in FORBIDDEN:
        assert char not in output, f"raw {char!r} reached the terminal"


@pytest.fixture()
def hostile_repo(repo: Path) -> Path:
    """A path, content, commit message and author name each holding every hostile sequence."""
    (repo / NAME).write_text(f"# {HOSTILE}\nGITHUB_TOKEN={TOKEN}  # {HOSTILE}\n")
    git(repo, "add", "-A")
    env_author = f"Mallory{HOSTILE}"
    git_run(
        repo,
        "-c",
        f"user.name={env_author}",
        "commit",
        "-q",
        "--author",
        f"{env_author} <m@example.invalid>",
        "-m",
        f"subject {HOSTILE}\n\nGITHUB_TOKEN={github_token(rng=__import__('random').Random(5))} {HOSTILE}",
        check=True,
    )
    return repo


def test_text_reports_escape_everything(hostile_repo: Path, run_cli: Invoke) -> None:
    for args in (
        ("scan", "--no-color", "-v"),
        ("scan", "--color", "-v", "--remediation"),
        ("scan", "--history", "--no-cache", "--no-color"),
        ("scan", "--range", "HEAD", "--no-color"),
        ("scan", "--show-secrets", "--no-color"),
    ):
        result = run_cli(*args, cwd=hostile_repo)
        assert result.exit_code == 1, (args, result.output)
        # spillguard's own colours are the only raw escapes allowed (hostile ones arrive escaped)
        assert_clean(re.sub(r"\x1b\[[0-9;]*m", "", result.output) if "--color" in args else result.output)
        assert ESCAPED_NAME in result.output
    history = run_cli("scan", "--history", "--no-cache", "--no-color", cwd=hostile_repo).output
    assert "(commit message)" in history and "by Mallory\\x1b[2J" in history


def test_hook_and_staged_escape(repo: Path, run_cli: Invoke) -> None:
    (repo / NAME).write_text(f"GITHUB_TOKEN={TOKEN}\n")
    git(repo, "add", "-A")
    for args in (("hook",), ("scan", "--staged", "--no-color")):
        result = run_cli(*args, cwd=repo)
        assert result.exit_code == 1
        assert_clean(result.output)
        assert ESCAPED_NAME in result.output


def test_notes_and_errors_escape(hostile_repo: Path, tmp_path: Path, run_cli: Invoke) -> None:
    os.mkfifo(hostile_repo / f"pipe{HOSTILE.replace('/', '%')}")
    for fmt in ("text", "json"):
        result = run_cli("scan", "-v", "-f", fmt, cwd=hostile_repo)
        assert "not a regular file" in result.output
        assert_clean(result.output if fmt == "text" else result.stderr)
    missing = run_cli("scan", "--", f"missing{HOSTILE.replace('/', '%')}", cwd=hostile_repo)
    assert missing.exit_code == 2 and "missing\\x1b[2J" in missing.output
    assert_clean(missing.output)
    bad_config = tmp_path / "c.yml"
    # YAML refuses raw control characters, but its double-quoted escapes produce each of them
    bad_config.write_text('allowlist: {regexes: ["(\\e[2J\\e]8;;x\\a\\b\\r\\N\\x9b\\u202e\\u2066"]}\n')
    result = run_cli("scan", "--config", str(bad_config), cwd=hostile_repo)
    assert result.exit_code == 2 and "allowlist regex" in result.output
    assert_clean(result.output)


def test_tampered_baseline_path_is_escaped_in_the_error(hostile_repo: Path, run_cli: Invoke) -> None:
    assert run_cli("baseline", "create", cwd=hostile_repo).exit_code == 0
    baseline = hostile_repo / ".spillguard-baseline.json"
    data = json.loads(baseline.read_text())
    data["entries"][0]["path"] = f"x{HOSTILE}"
    baseline.write_text(json.dumps(data))
    result = run_cli("scan", "-b", str(baseline), cwd=hostile_repo)
    assert result.exit_code == 2 and "does not match its fingerprint" in result.output
    assert_clean(result.output)


def test_baseline_report_and_audit_escape(hostile_repo: Path, run_cli: Invoke) -> None:
    assert run_cli("baseline", "create", cwd=hostile_repo).exit_code == 0
    report = run_cli("baseline", "report", "--no-scan", cwd=hostile_repo)
    assert ESCAPED_NAME in report.output
    assert_clean(report.output)
    for args in (("baseline", "audit"), ("baseline", "audit", "--reveal")):
        audit = run_cli(*args, cwd=hostile_repo, input="s\n")
        assert audit.exit_code == 0, audit.output
        assert ESCAPED_NAME in audit.output and "# \\x1b[2J" in audit.output  # path and context line
        assert_clean(audit.output)


def test_json_and_sarif_stay_valid_for_any_path_bytes(hostile_repo: Path, run_cli: Invoke) -> None:
    raw_name = os.fsdecode(b"bytes-\xff\xfe\x80\xc3(\x1b\x7f.env")
    (hostile_repo / raw_name).write_text(f"GITHUB_TOKEN={TOKEN}\n")
    git(hostile_repo, "add", "-A")
    git(hostile_repo, "commit", "-q", "-m", "raw bytes")
    for source in ((), ("--history", "--no-cache"), ("--range", "HEAD")):
        as_json = run_cli("scan", *source, "-f", "json", "-q", cwd=hostile_repo)
        paths = {f["path"] for f in json.loads(as_json.stdout)["findings"]}
        assert "bytes-\\xff\\xfe\\x80\\xc3(\x1b\x7f.env" in paths, paths
        assert NAME in paths
        sarif = run_cli("scan", *source, "-f", "sarif", "-q", cwd=hostile_repo)
        document = assert_valid(sarif.stdout)
        assert len(document["runs"][0]["results"]) >= 2
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in document["runs"][0]["results"]
        }
        # the file name's own bytes, percent-encoded: not its escaped display form (bytes-%5Cxff...)
        assert "bytes-%FF%FE%80%C3%28%1B%7F.env" in uris, uris


USER_RULE = """\
rules:
  - id: user.token
    name: "Token \\e]8;;https://attacker.example/\\aclick\\e]8;;\\a"
    description: "Looks fine \\u202e gnp.exe"
    severity: low
    confidence: low
    keywords: [usertok_]
    pattern: '(?P<secret>usertok_[a-z0-9]{16})'
    examples:
      positive: ['usertok_abcdefgh12345678']
      negative: ['usertok_short']
    remediation:
      summary: Rotate it.
      rotate: ["Step \\x9b31m one"]
"""


def test_rule_text_that_would_drive_the_terminal_is_refused(tmp_path: Path, run_cli: Invoke) -> None:
    """A repository's config can name rule files in the repository: their names, descriptions and
    remediation are printed in reports, so control and bidi characters there are a load error."""
    rules = tmp_path / "user.yml"
    rules.write_text(USER_RULE)
    for args in (("scan", "--rules", str(rules), str(tmp_path)), ("rules", "check", str(rules))):
        result = run_cli(*args, cwd=tmp_path)
        assert result.exit_code == 2, result.output
        assert_clean(result.output)
        line = result.output.strip()
        for field in ("name", "description", "remediation.rotate[0]"):
            assert f"field '{field}': holds a control or bidi character" in line
