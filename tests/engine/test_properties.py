"""Invariants of the engine, checked over generated inputs."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Policy
from scanner.ruleset.compiled import CompiledRuleset
from scanner.sources.text import decode
from tests.tokens import aws_access_key_id, github_token

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Filler text around a planted token: anything but characters that would extend the token.
filler = st.text(
    alphabet=st.sampled_from(list(" \t\n\r=:;,'\"(){}[]#/<>!?.&|") + ["é", "中", "\u2028"]),
    max_size=200,
)
lines = st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60), max_size=8)

GENERATORS = {
    "github.pat-classic": lambda seed: github_token("ghp_", random.Random(seed)),
    "github.oauth-access-token": lambda seed: github_token("gho_", random.Random(seed)),
    "aws.access-key-id": lambda seed: aws_access_key_id(random.Random(seed)),
}


def _position(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


@SETTINGS
@given(
    before=filler,
    after=filler,
    rule_id=st.sampled_from(sorted(GENERATORS)),
    seed=st.integers(0, 10**6),
)
def test_planted_token_is_found_where_it_sits(
    ruleset: CompiledRuleset, before: str, after: str, rule_id: str, seed: int
) -> None:
    token = GENERATORS[rule_id](seed)
    text = before + token + after
    found = {
        (f.rule_id, f.location.line, f.location.column)
        for f in scan_chunk(Chunk("f.txt", text), ruleset, Policy()).findings
    }
    assert (rule_id, *_position(text, len(before))) in found


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(ruleset: CompiledRuleset, data: bytes) -> None:
    text = decode(data)
    if text is not None:
        scan_chunk(Chunk("f.bin", text), ruleset, Policy())


@SETTINGS
@given(data=st.text(max_size=500), keyword=st.sampled_from(["ghp_", "AKIA", "password=", "-----BEGIN"]))
def test_text_with_keywords_never_raises(ruleset: CompiledRuleset, data: str, keyword: str) -> None:
    scan_chunk(Chunk("f.txt", keyword.join([data, data, ""])), ruleset, Policy())


@SETTINGS
@given(above=lines)
def test_fingerprint_unchanged_by_lines_inserted_above(ruleset: CompiledRuleset, above: list[str]) -> None:
    body = f"TOKEN = '{github_token()}'\n"
    base = scan_chunk(Chunk("a.py", body), ruleset, Policy()).findings
    moved = scan_chunk(Chunk("a.py", "\n".join(["x = 1", *above, body])), ruleset, Policy()).findings
    assert [f.fingerprint for f in base] == [
        f.fingerprint for f in moved if f.rule_id == "github.pat-classic"
    ]
