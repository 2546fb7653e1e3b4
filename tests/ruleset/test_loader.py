from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import RuleError
from scanner.ruleset.loader import load_rule_file
from tests.conftest import Invoke

GOOD = """\
rules:
  - id: acme.token
    name: Acme token
    description: Acme API token.
    severity: high
    confidence: high
    keywords: [acme_]
    pattern: '(?P<secret>acme_[a-z0-9]{20})'
    entropy: {min: 2.5}
    remediation:
      summary: Revoke it.
      rotate: [Create a new one., Revoke the old one.]
      revoke_url: https://acme.invalid/tokens
    examples:
      positive: ['ACME=acme_q8w7e6r5t4y3u2i1o0pz']
      negative: ['ACME=acme_short']
    references: [https://acme.invalid/docs/tokens]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "custom.yml"
    path.write_text(text)
    return path


def test_good_rule_loads(tmp_path: Path) -> None:
    (rule,) = load_rule_file(write(tmp_path, GOOD))
    assert rule.id == "acme.token" and rule.max_width == 25


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("pattern: '(?P<secret>acme_[a-z0-9]{20})'", "pattern: '(?P<secret>acme_[a-z0-9{20})'"),
            "rule 'acme.token' field 'pattern': is not a valid regex",
        ),
        (
            ("pattern: '(?P<secret>acme_[a-z0-9]{20})'", "pattern: '(?P<secret>acme_[a-z0-9]+)'"),
            "can match unboundedly long text",
        ),
        (
            ("pattern: '(?P<secret>acme_[a-z0-9]{20})'", "pattern: 'acme_[a-z0-9]{20}'"),
            "named group (?P<secret>...)",
        ),
        (("    severity: high\n", "    severity: urgent\n"), "field 'severity': must be one of"),
        (
            ("    confidence: high\n", "    confidence: high\n    colour: red\n"),
            "field 'colour': unknown field",
        ),
        (
            (
                "positive: ['ACME=acme_q8w7e6r5t4y3u2i1o0pz']",
                "positive: ['ACME=q8w7e6r5t4y3u2i1o0pz']",
            ),
            "example 1 contains none of the keywords",
        ),
        (("      negative: ['ACME=acme_short']\n", ""), "field 'examples.negative': is missing"),
        (
            ("      revoke_url: https://acme.invalid/tokens\n", "      revoke_url: acme.invalid\n"),
            "revoke_url': must be an https:// URL",
        ),
        (
            (
                "    checksum: nope\n" if False else "    entropy: {min: 2.5}\n",
                "    checksum: crc\n",
            ),
            "unknown validator 'crc'",
        ),
        (("keywords: [acme_]", "keywords: [ACME_]"), "must be lowercase ASCII"),
    ],
)
def test_invalid_rule_names_file_rule_and_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(RuleError) as raised:
        load_rule_file(write(tmp_path, GOOD.replace(old, new)))
    assert "custom.yml" in raised.value.message and message in raised.value.message


def test_every_problem_is_collected(tmp_path: Path) -> None:
    text = GOOD.replace("severity: high", "severity: no").replace("confidence: high", "confidence: no")
    with pytest.raises(RuleError) as raised:
        load_rule_file(write(tmp_path, text))
    assert raised.value.message.count("field '") == 2 and "2 problems" in raised.value.message


def test_missing_remediation(tmp_path: Path) -> None:
    start = GOOD.index("    remediation:")
    end = GOOD.index("    examples:")
    with pytest.raises(RuleError, match="field 'remediation': is missing"):
        load_rule_file(write(tmp_path, GOOD[:start] + GOOD[end:]))


@pytest.mark.parametrize("text", ["rules: [", "- just a list\n", "rules: {a: 1}\n", "rules:\n  - 3\n"])
def test_malformed_files(tmp_path: Path, text: str) -> None:
    with pytest.raises(RuleError, match="custom.yml"):
        load_rule_file(write(tmp_path, text))


def test_cli_check_good_file(tmp_path: Path, run_cli: Invoke) -> None:
    result = run_cli("rules", "check", str(write(tmp_path, GOOD)), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "ok: 1 rules, 2 examples, 0 failing" in result.output


def test_cli_check_failing_example_exits_1(tmp_path: Path, run_cli: Invoke) -> None:
    text = GOOD.replace("negative: ['ACME=acme_short']", "negative: ['ACME=acme_a1b2c3d4e5f6g7h8i9j0']")
    result = run_cli("rules", "check", str(write(tmp_path, text)), cwd=tmp_path)
    assert result.exit_code == 1
    assert "FAIL" in result.output and "negative example 1 is detected" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("{20})'", "{20}'"), "is not a valid regex"),
        ("rules: [", "not valid YAML at line 2"),
    ],
)
def test_cli_malformed_rule_file_exits_2(tmp_path: Path, run_cli: Invoke, text: str, message: str) -> None:
    path = write(tmp_path, text)
    for args in (("rules", "check", str(path)), ("scan", "--rules", str(path), str(tmp_path))):
        result = run_cli(*args, cwd=tmp_path)
        assert result.exit_code == 2
        assert message in result.output and "custom.yml" in result.output
        assert "Traceback" not in result.output


def test_cli_duplicate_rule_id_exits_2(tmp_path: Path, run_cli: Invoke) -> None:
    dup = GOOD.replace("acme.token", "github.pat-classic")
    result = run_cli("scan", "--rules", str(write(tmp_path, dup)), str(tmp_path), cwd=tmp_path)
    assert result.exit_code == 2
    assert "duplicates the id of a rule in rules/github.yml" in result.output


def test_cli_user_rule_detects(tmp_path: Path, run_cli: Invoke) -> None:
    rules = write(tmp_path, GOOD)
    target = tmp_path / "src"
    target.mkdir()
    (target / "x.env").write_text("ACME=acme_q8w7e6r5t4y3u2i1o0pz\n")
    result = run_cli("scan", "--rules", str(rules), "src", "--no-color", cwd=tmp_path)
    assert result.exit_code == 1
    assert "src/x.env:1:6" in result.output and "acme.token" in result.output


def test_parsed_rules_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule file parsed once is read from the user cache next time; a broken cache entry is parsed
    again, and a cached document is validated like a fresh one."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(cache))
    path = write(tmp_path, GOOD)
    (first,) = load_rule_file(path)
    (entry,) = cache.glob("rules-*.json")
    assert load_rule_file(path) == (first,)
    entry.write_text("{ not json")
    assert load_rule_file(path) == (first,)
    entry.write_text('{"rules": [{"id": "acme.token"}]}')  # valid JSON, invalid rule: still an error
    with pytest.raises(RuleError, match="field 'name': is missing"):
        load_rule_file(path)
