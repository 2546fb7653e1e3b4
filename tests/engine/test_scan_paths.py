"""Pipeline steps of engine.scan at their edges: a rule's path allowlist, an empty secret group, a
secret seen through two overlapping keyword windows, and base64 runs too short to decode."""

from __future__ import annotations

from array import array
from pathlib import Path
from typing import Any

import yaml

from scanner.engine.hits import Hits, encoded_spans
from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Policy
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.schema import parse_rule
from tests.conftest import Invoke
from tests.rule_data import acme_rule


def rule(**fields: Any) -> dict[str, Any]:
    return acme_rule(**fields)


def compiled(raw: dict[str, Any]) -> CompiledRuleset:
    parsed, problems = parse_rule(raw, "custom.yml")
    assert parsed is not None, problems
    return CompiledRuleset((parsed,), "pyahocorasick")


def found(ruleset: CompiledRuleset, text: str, path: str = "a.env") -> list[tuple[int, int]]:
    result = scan_chunk(Chunk(path, text), ruleset, Policy())
    return [(f.location.line, f.location.column) for f in result.findings]


TOKEN_LINE = "ACME=acme_q8w7e6r5t4y3u2i1o0pz\n"


def test_rule_path_allowlist_skips_the_rule_in_those_files() -> None:
    ruleset = compiled(rule(allowlist={"paths": ["fixtures/*"]}))
    assert found(ruleset, TOKEN_LINE, "src/a.env") == [(1, 6)]
    assert found(ruleset, TOKEN_LINE, "fixtures/a.env") == []


def test_cli_rule_path_allowlist(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "custom.yml").write_text(
        yaml.safe_dump({"rules": [rule(allowlist={"paths": ["fixtures/*"]})]})
    )
    for folder in ("fixtures", "src"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.env").write_text(TOKEN_LINE)
    result = run_cli("scan", "--rules", "custom.yml", "fixtures", "src", "-f", "json", "-q", cwd=tmp_path)
    assert result.exit_code == 1
    assert '"path": "src/a.env"' in result.stdout and "fixtures/a.env" not in result.stdout


def test_an_empty_secret_group_is_no_finding() -> None:
    ruleset = compiled(rule(pattern="acme_(?P<secret>[a-z0-9]{0,20})"))
    assert found(ruleset, "ACME=acme_!\n") == []
    assert found(ruleset, TOKEN_LINE) == [(1, 11)]


def test_a_secret_inside_two_overlapping_windows_is_one_finding() -> None:
    # Hits arrive by end offset: "ab" at 0 opens a window, "ab" at 48 opens a second one, and the long
    # keyword ending just after it starts at 8, so it widens the second window back over the first.
    long_keyword = "q" * 40 + "ab7"
    ruleset = compiled(
        rule(
            keywords=["ab", long_keyword],
            pattern="(?P<secret>ab[0-9]{6})",
            examples={"positive": ["ab381924"], "negative": ["ab12"]},
        )
    )
    text = "ab381924" + long_keyword + "75123"
    assert found(ruleset, text) == [(1, 1), (1, 49)]


def test_two_keywords_ending_together_share_one_window() -> None:
    ruleset = compiled(
        rule(
            keywords=["ab", "qab"],
            pattern="(?P<secret>q?ab[0-9]{6})",
            examples={"positive": ["ab381924"], "negative": ["ab12"]},
        )
    )
    text = "x" * 30 + " qab381924 " + "y" * 30  # no window is clipped at either end of the text
    assert found(ruleset, text) == [(1, 32)]


def test_base64_runs_shorter_than_the_minimum_are_not_decoded() -> None:
    text = "x = 'Z2hwX2FiY2Q=' y = 'Z2hwX2FiY2RlZmdoaWprbG1ub3BxcnN0'"
    short, long = text.index("Z2hwX2FiY2Q="), text.index("Z2hwX2FiY2RlZm")
    hits = Hits({}, [short, long], [], [], array("q"))
    assert encoded_spans(text, hits) == [("base64", long, text.rindex("'"))]
