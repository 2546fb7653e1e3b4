from __future__ import annotations

from dataclasses import replace

import pytest

from scanner.engine.scan import scan_chunk
from scanner.model import Allowlist, Chunk, Policy
from scanner.ruleset.compiled import CompiledRuleset
from tests.tokens import broken_checksum, github_token

TOKEN = github_token()


def scan(
    text: str, ruleset: CompiledRuleset, policy: Policy | None = None, path: str = "app.py"
) -> list[tuple[str, int, int]]:
    result = scan_chunk(Chunk(path=path, text=text), ruleset, policy or Policy())
    return [(f.rule_id, f.location.line, f.location.column) for f in result.findings]


def test_finds_token_with_line_and_column(ruleset: CompiledRuleset) -> None:
    assert scan(f"a = 1\nb = '{TOKEN}'\n", ruleset) == [("github.pat-classic", 2, 6)]


def test_crlf_gives_same_lines_and_columns(ruleset: CompiledRuleset) -> None:
    lf = f"one\ntwo\n  token: {TOKEN}\n"
    assert scan(lf, ruleset) == scan(lf.replace("\n", "\r\n"), ruleset) == [("github.pat-classic", 3, 10)]


def test_first_line_offsets_reported_lines(ruleset: CompiledRuleset) -> None:
    result = scan_chunk(Chunk(path="a", text=f"x\n{TOKEN}", first_line=40), ruleset, Policy())
    assert [(f.location.line, f.location.column) for f in result.findings] == [(41, 1)]


def test_failed_checksum_is_dropped(ruleset: CompiledRuleset) -> None:
    assert scan(f"t = '{broken_checksum(TOKEN)}'", ruleset) == []


def test_token_inside_longer_word_is_not_a_token(ruleset: CompiledRuleset) -> None:
    assert scan(f"x = 'abc{TOKEN}'", ruleset) == []


@pytest.mark.parametrize(
    "marker",
    [
        "# spillguard:allow",
        "// spillguard:allow=github.pat-classic",
        "# spillguard:allow=aws.access-key-id,github.pat-classic",
    ],
)
def test_inline_allow(ruleset: CompiledRuleset, marker: str) -> None:
    assert scan(f"t = '{TOKEN}'  {marker}\n", ruleset) == []


def test_inline_allow_for_another_rule_does_not_hide(ruleset: CompiledRuleset) -> None:
    assert scan(f"t = '{TOKEN}'  # spillguard:allow=aws.access-key-id\n", ruleset) != []


def test_policy_allowlist_regex_and_stopword(ruleset: CompiledRuleset) -> None:
    text = f"t = '{TOKEN}'\n"
    by_regex = Policy(allowlist=Allowlist(regexes=(TOKEN[:10],)))
    by_word = Policy(allowlist=Allowlist(stopwords=(TOKEN[4:12].upper(),)))
    assert scan(text, ruleset, by_regex) == []
    assert scan(text, ruleset, by_word) == []


@pytest.mark.parametrize("value", ["AKIAIOSFODNN7EXAMPLE", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"])
def test_documented_placeholders_are_dropped(ruleset: CompiledRuleset, value: str) -> None:
    assert scan(f"key = '{value}'\n", ruleset) == []


def test_same_secret_span_reported_once(ruleset: CompiledRuleset) -> None:
    found = scan(f'api_token = "{TOKEN}"\n', ruleset)
    assert found == [("github.pat-classic", 1, 14)]


def test_secret_is_not_kept_unless_revealed(ruleset: CompiledRuleset) -> None:
    hidden = scan_chunk(Chunk("a", TOKEN), ruleset, Policy()).findings[0]
    shown = scan_chunk(Chunk("a", TOKEN), ruleset, Policy(reveal_secrets=True)).findings[0]
    assert hidden.secret is None and TOKEN not in repr(hidden)
    assert shown.secret == TOKEN


def test_regex_timeout_is_reported_not_raised() -> None:
    from scanner.model import Confidence, Severity
    from tests.rule_data import model_rule

    slow = model_rule(
        id="test.slow",
        name="slow",
        severity=Severity.LOW,
        confidence=Confidence.LOW,
        keywords=("aaa",),
        pattern=r"(?P<secret>(a|aa){1,4000}b)",
        max_width=4000,
    )
    ruleset = CompiledRuleset((slow,), "pyahocorasick")
    result = scan_chunk(Chunk("big.txt", "a" * 3000 + "!"), ruleset, replace(Policy(), regex_timeout=0.2))
    assert result.findings == ()
    assert [n.message.split(" ")[1] for n in result.notices] == ["'test.slow'"]


def test_twenty_megabyte_single_line_does_not_hang(ruleset: CompiledRuleset) -> None:
    filler = "x=1;password_hint;token;" * (20_000_000 // 24)  # 1.7 million keyword hits on one line
    text = filler + f" '{TOKEN}' " + filler[:1000]
    assert scan(text, ruleset) == [("github.pat-classic", 1, len(filler) + 3)]


def test_a_notebook_cells_place_maps_to_the_file(ruleset: CompiledRuleset) -> None:
    """A cell's chunk says where each of its lines is in the .ipynb file (line, and the column where its
    JSON-encoded text starts): the finding's line and column are the file's, the cell's are kept beside
    them. Where the encoded text was not found (column 0), the cell's column is all that is known."""
    text = f'x = "é"; t = "{TOKEN}"\n'
    chunk = Chunk("n.ipynb", "a\n" + text, cell=3, line_map=(7, 8), column_map=((6, False), (6, True)))
    (found,) = scan_chunk(chunk, ruleset, Policy()).findings
    escaped = len('x = \\"\\u00e9\\"; t = \\"')  # what precedes the token in the file, \u escapes on
    loc = found.location
    assert (loc.line, loc.column, loc.end_column) == (8, 6 + escaped, 6 + escaped + len(TOKEN))
    assert (loc.cell, loc.cell_line, loc.cell_column) == (3, 2, len('x = "é"; t = "') + 1)
    unknown = replace(chunk, column_map=((6, False), (0, False)))
    (found,) = scan_chunk(unknown, ruleset, Policy()).findings
    assert (found.location.line, found.location.column) == (8, found.location.cell_column)
    lines_only = replace(chunk, column_map=None)  # a chunk that maps its lines only
    (found,) = scan_chunk(lines_only, ruleset, Policy()).findings
    assert (found.location.line, found.location.column) == (8, found.location.cell_column)
