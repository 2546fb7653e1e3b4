"""Jupyter notebooks: cells scanned one by one, images skipped, cell and file lines reported."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.conftest import Invoke, git
from tests.tokens import aws_access_key_id, github_token

TOKEN = github_token()
KEY = aws_access_key_id()
IMAGE_TOKEN = github_token(rng=random.Random(99))


def notebook(indent: int | None = 1) -> str:
    """As Jupyter writes it: keys sorted, so a cell's `outputs` come before its `source`."""
    cells = [
        {"cell_type": "markdown", "id": "a1", "metadata": {}, "source": ["# Title\n", "text\n"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "b2",
            "metadata": {},
            "outputs": [
                {"name": "stdout", "output_type": "stream", "text": ["connecting\n", f"key={KEY}\n"]},
                {
                    "data": {"image/png": IMAGE_TOKEN, "text/plain": ["<Figure>"]},
                    "metadata": {},
                    "output_type": "display_data",
                },
            ],
            "source": ["import os\n", f"TOKEN = '{TOKEN}'\n", "print(TOKEN)"],
        },
    ]
    document = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=indent, sort_keys=True) + "\n"


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def column_of(text: str, needle: str) -> int:
    """The 1-based column of `needle` in the file's text, counted in characters of its line."""
    offset = text.index(needle)
    return offset - text.rfind("\n", 0, offset)


def findings(run_cli: Invoke, cwd: Path, *args: str) -> list[tuple[str, int, int, int | None, int | None]]:
    data = json.loads(run_cli("scan", *args, "-f", "json", "-q", cwd=cwd).stdout)
    return [
        (f["rule_id"], f["line"], f["column"], f.get("cell"), f.get("cell_line")) for f in data["findings"]
    ]


def test_cells_and_outputs_report_cell_and_file_lines_and_columns(tmp_path: Path, run_cli: Invoke) -> None:
    """`line` and `column` are the place in the .ipynb file (what an editor and code scanning show);
    `cell`, `cell_line` and the text report's column in the cell say where it is in the notebook."""
    text = notebook()
    (tmp_path / "demo.ipynb").write_text(text)
    assert findings(run_cli, tmp_path, ".") == [
        ("aws.access-key-id", line_of(text, f"key={KEY}"), column_of(text, KEY), 2, 2),
        ("github.pat-classic", line_of(text, "TOKEN = "), column_of(text, TOKEN), 2, 2),
    ]
    data = json.loads(run_cli("scan", "-f", "json", "-q", cwd=tmp_path).stdout)
    assert [f["cell_column"] for f in data["findings"]] == [5, 10]
    shown = run_cli("scan", "--no-color", cwd=tmp_path).output
    where = f"demo.ipynb:{line_of(text, 'TOKEN = ')}:{column_of(text, TOKEN)} (cell 2, line 2, column 10)"
    assert where in shown


def test_file_columns_count_escapes_before_the_secret(tmp_path: Path, run_cli: Invoke) -> None:
    """Quotes, backslashes and tabs before a secret take two characters in the file; a non-ASCII
    character one, or six where the notebook was written with \\u escapes."""
    source = [f'msg = "say \\"hi\\"\\tcafé"; t = "{TOKEN}"\n']
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": source}
    document = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    for ascii_only in (False, True):
        text = json.dumps(document, indent=1, ensure_ascii=ascii_only)
        (tmp_path / "n.ipynb").write_text(text)
        ((rule, line, column, _, _),) = findings(run_cli, tmp_path, "n.ipynb")
        assert (rule, line, column) == ("github.pat-classic", line_of(text, TOKEN), column_of(text, TOKEN))


def test_images_are_not_scanned(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "demo.ipynb").write_text(notebook())
    (tmp_path / "plain.json").write_text(notebook())  # the same JSON, not a notebook name: all of it
    in_notebook = findings(run_cli, tmp_path, "demo.ipynb")
    assert sorted(r[0] for r in in_notebook) == ["aws.access-key-id", "github.pat-classic"]
    assert len(findings(run_cli, tmp_path, "plain.json")) == 3  # there the image's text is read too


def test_minified_notebook_and_broken_json(tmp_path: Path, run_cli: Invoke) -> None:
    minified = notebook(indent=None)
    (tmp_path / "min.ipynb").write_text(minified)
    found = findings(run_cli, tmp_path, "min.ipynb")
    assert [(r[1], r[2], r[3]) for r in found] == [
        (1, column_of(minified, KEY), 2),
        (1, column_of(minified, TOKEN), 2),
    ]
    (tmp_path / "broken.ipynb").write_text('{"cells": [' + f"'{TOKEN}'")
    assert [r[0] for r in findings(run_cli, tmp_path, "broken.ipynb")] == ["github.pat-classic"]


def test_notebook_in_history(repo: Path, run_cli: Invoke) -> None:
    text = notebook()
    (repo / "demo.ipynb").write_text(text)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "notebook")
    for _ in range(2):  # the second run comes from the cache and keeps the cells
        got = findings(run_cli, repo, "--history")
        assert [(r[0], r[3], r[4]) for r in got] == [
            ("aws.access-key-id", 2, 2),
            ("github.pat-classic", 2, 2),
        ]


def test_a_line_split_over_two_source_items() -> None:
    """nbformat writes one line per item, each ending with a newline; a writer that ends a line in the
    next item (`["0", "\\n"]`, found by tests/fuzz/test_notebook_fuzz.py) still gives one entry per
    line in the line map, and the token split over items is found on its line."""
    from scanner.sources.notebook import notebook_chunks

    cell = {"cell_type": "code", "source": ["x = 1\n", "t = '", f"{TOKEN}'\n", "0", "\n"], "outputs": []}
    chunks = notebook_chunks("n.ipynb", json.dumps({"cells": [cell], "nbformat": 4}, indent=1))
    assert chunks is not None
    (chunk,) = chunks
    assert chunk.text == f"x = 1\nt = '{TOKEN}'\n0\n"
    assert chunk.line_map is not None and len(chunk.line_map) == 3
