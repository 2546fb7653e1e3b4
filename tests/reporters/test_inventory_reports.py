"""Inventory formats against repository-controlled strings (tests/inventory_repo.build_hostile): HTML
escapes every one (no markup of theirs survives; the page's one script is its own), Markdown escapes
table pipes, emphasis, links and tags, CSV defuses formulas. The browser test
(test_inventory_browser.py) checks the same page as rendered."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from scanner.reporters.inventory_markdown import code, text
from tests.conftest import Invoke
from tests.inventory_repo import FORMULA_PATH, HOSTILE_BRANCH, HOSTILE_PATH, Story, build_hostile


@pytest.fixture()
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Story:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path / "user-cache"))
    return build_hostile(tmp_path / "repo")


def render(run_cli: Invoke, story: Story, fmt: str) -> str:
    result = run_cli("inventory", "-f", fmt, "-q", "--as-of=2024-06-01", cwd=story.root)
    assert result.exit_code == 1, result.output
    return result.stdout


def test_html_escapes_every_repository_string(hostile: Story, run_cli: Invoke) -> None:
    page = render(run_cli, hostile, "html")
    assert len(re.findall(r"<script\b", page)) == 1  # the page's own, inline
    assert "alert(1)" in page and "<script>alert" not in page and "<b>" not in page
    assert "ops/x|y`z&lt;script&gt;alert(1)&lt;/script&gt;.py" in page
    assert "&lt;script&gt;alert(2)&lt;" in page  # the branch name
    assert 'http-equiv="Content-Security-Policy" content="default-src \'none\'' in page
    links = page.replace('href="https://github.com/settings/tokens"', "")  # the revoke link, to follow
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", links)


def test_markdown_escapes_every_repository_string(hostile: Story, run_cli: Invoke) -> None:
    markdown = render(run_cli, hostile, "markdown")
    (row,) = [line for line in markdown.splitlines() if line.startswith("| ") and "ops/x" in line]
    assert "x\\|y" in row and row.count(" | ") == 7  # the path's pipe does not split the row
    outside_code = re.sub(r"(`+)(.+?)(?<!`)\1(?!`)", "", markdown)
    assert "<script>" in markdown and "<script>" not in outside_code  # only inside code spans
    assert "[x](javascript" not in markdown and "\\[x\\](javascript:alert(3))" in markdown
    assert "\\*" in markdown and f"tag {HOSTILE_BRANCH}" not in markdown
    assert "&lt;script&gt;alert(2)&lt;" in markdown  # the branch name, in text


def test_markdown_escaping_helpers() -> None:
    assert code("a`b") == "``a`b``" and code("`x`") == "`` `x` ``" and code("a|b", table=True) == "`a\\|b`"
    assert code(" ") == "`   `" and code("x\x1b[31m") == "`x\\x1b[31m`"
    assert text("a_b*c <d> & [e]|#~") == "a\\_b\\*c &lt;d&gt; &amp; \\[e\\]\\|\\#\\~"


def test_csv_defuses_formulas(hostile: Story, run_cli: Invoke) -> None:
    rows = list(csv.DictReader(io.StringIO(render(run_cli, hostile, "csv"))))
    formula = next(r for r in rows if FORMULA_PATH in r["paths"])
    assert formula["first_path"] == f"'{FORMULA_PATH}" and formula["paths"] == f"'{FORMULA_PATH}"
    other = next(r for r in rows if HOSTILE_PATH in r["paths"])
    assert other["first_path"] == HOSTILE_PATH and "refs/heads/" + HOSTILE_BRANCH in other["held_at"]


def test_json_keeps_strings_as_they_are(hostile: Story, run_cli: Invoke) -> None:
    data = json.loads(render(run_cli, hostile, "json"))
    assert {p for c in data["credentials"] for p in c["paths"]} == {HOSTILE_PATH, FORMULA_PATH}
    assert f"refs/heads/{HOSTILE_BRANCH}" in data["credentials"][0]["held_at"]


def test_empty_inventory_in_every_format(tmp_path: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path / "user-cache"))
    story = Story(tmp_path / "clean")
    story.root.mkdir()
    story.git("init", "-q", "-b", "main")
    story.write("a.py", "x = 1\n")
    story.commit("init", ("A", "a@example.com"), "2024-01-01")
    for fmt in ("json", "csv", "markdown", "html"):
        result = run_cli("inventory", "-f", fmt, "-q", "--as-of=2024-06-01", cwd=story.root)
        assert result.exit_code == 0, result.output
    assert "No credential found." in result.stdout and "Nothing to act on" in result.stdout


def test_compiled_templates_are_cached_and_a_bad_cache_only_costs_time(
    hostile: Story, run_cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = render(run_cli, hostile, "html")
    cached = list((tmp_path / "user-cache" / "templates").iterdir())
    assert cached  # the compiled page, keyed by its source
    from jinja2.bccache import bc_magic

    for entry in cached:  # a valid header, then what no unpickler reads
        entry.write_bytes(bc_magic + b"\xff garbage")
    assert render(run_cli, hostile, "html") == first
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(blocked))  # nothing can be written under it
    assert render(run_cli, hostile, "html") == first


def test_a_previous_inventory_that_is_not_a_file(hostile: Story, run_cli: Invoke, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    result = run_cli("inventory", "--since-inventory", str(fifo), cwd=hostile.root)
    assert result.exit_code == 2 and f"{fifo}: not a regular file" in result.stderr
