"""Credential pairs on separate lines: a rule with a `companion` reports its secret only when the other
half matches within `within_lines` lines (scanner.engine.companion), through the library and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex
import yaml

from scanner.engine.companion import LINE_REACH, companion_near, reach
from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Companion, Policy
from scanner.ruleset.compiled import CompiledRuleset
from tests.conftest import Invoke
from tests.rule_data import acme_rule, model_rule

HALF = regex.compile(r"ACMEID[0-9]{4}")
SECRET = "acme_q8w7e6r5t4y3u2i1o0pz"


def _near(text: str, lines: int) -> bool:
    start = text.index(SECRET)
    return companion_near(text, start, start + len(SECRET), HALF, lines, 1.0)


@pytest.mark.parametrize(
    ("text", "lines", "expected"),
    [
        (f"id=ACMEID1234 key={SECRET}", 0, True),  # same line
        (f"key={SECRET} id=ACMEID1234", 0, True),
        (f"id=ACMEID1234\nkey={SECRET}", 0, False),  # the line above is out of reach at 0
        (f"id=ACMEID1234\nkey={SECRET}", 1, True),
        (f"id=ACMEID1234\n\n\nkey={SECRET}\n", 3, True),
        (f"id=ACMEID1234\n\n\n\nkey={SECRET}\n", 3, False),
        (f"key={SECRET}\n\n\nid=ACMEID1234", 3, True),  # below, up to the end of the text
        (f"key={SECRET}\n\n\n\nid=ACMEID1234", 3, False),
        (f"x\nkey={SECRET}\nx", 5, False),  # nothing to find, the window stops at both ends
    ],
)
def test_companion_within_lines(text: str, lines: int, expected: bool) -> None:
    assert _near(text, lines) is expected


def test_a_companion_inside_the_secret_does_not_count() -> None:
    text = "token=ACMEID1234ACMEID5678"
    assert not companion_near(text, 6, len(text), HALF, 2, 1.0)


def test_reach_widens_only_pair_rules() -> None:
    assert reach(model_rule(), 40) == 40
    pair = model_rule(companion=Companion("ACMEID[0-9]{4}", 2))
    assert reach(pair, 40) == 3 * LINE_REACH
    assert reach(pair, 5000) == 5000


PAIR = model_rule(
    keywords=("acmeid",),
    pattern=r"(?<![a-z0-9_])(?P<secret>acme_[a-z0-9]{20})",
    max_width=0,
    companion=Companion(r"ACMEID[0-9]{4}", 2),
)


def _rule_ids(text: str, rules: CompiledRuleset) -> list[str]:
    return [f.rule_id for f in scan_chunk(Chunk(path="config.env", text=text), rules, Policy()).findings]


def test_pair_rule_found_from_its_companions_keyword_both_ways() -> None:
    rules = CompiledRuleset((PAIR,))
    assert _rule_ids(f"ACME_ID=ACMEID1234\nACME_KEY={SECRET}\n", rules) == ["acme.token"]
    assert _rule_ids(f"ACME_KEY={SECRET}\n# note\nACME_ID=ACMEID1234\n", rules) == ["acme.token"]
    assert rules.companion(0) is rules.companion(0)  # compiled once
    assert rules.width(0) == 3 * LINE_REACH


def test_pair_rule_silent_without_the_other_half_nearby() -> None:
    rules = CompiledRuleset((PAIR,))
    far = "\n".join(["ACME_ID=ACMEID1234", "a", "b", "c", f"ACME_KEY={SECRET}"])
    assert _rule_ids(far, rules) == []
    assert _rule_ids(f"ACMEID=\nACME_KEY={SECRET}\n", rules) == []


def test_user_rule_with_companion_through_the_cli(tmp_path: Path, run_cli: Invoke) -> None:
    raw = acme_rule(
        keywords=["acmeid"],
        companion={"pattern": "ACMEID[0-9]{4}", "within_lines": 1},
        examples={"positive": [f"ACMEID1234\n{SECRET}"], "negative": [f"ACMEID1234\n\n{SECRET}"]},
    )
    (tmp_path / "pair.yml").write_text(yaml.safe_dump({"rules": [raw]}))
    (tmp_path / "near.env").write_text(f"ACME_ID=ACMEID1234\nACME_KEY={SECRET}\n")
    (tmp_path / "far.env").write_text(f"ACME_ID=ACMEID1234\n\n\nACME_KEY={SECRET}\n")
    assert run_cli("rules", "check", "pair.yml", cwd=tmp_path).exit_code == 0
    result = run_cli("scan", "--rules", "pair.yml", "--format", "json", "near.env", "far.env", cwd=tmp_path)
    assert result.exit_code == 1
    assert '"near.env"' in result.output and '"far.env"' not in result.output
