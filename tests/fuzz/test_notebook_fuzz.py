"""The notebook reader over generated documents: chunks or None (scan as text), never an exception;
every chunk's text is what the cell held and its lines map into the file."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.sources.notebook import notebook_chunks
from tests.fuzz.strategies import examples, mutated, text, values

SETTINGS = settings(max_examples=examples(200), deadline=None)

lines = st.lists(text.map(lambda t: t + "\n"), max_size=4)
output = st.one_of(
    st.fixed_dictionaries({"output_type": st.just("stream"), "name": st.just("stdout"), "text": lines}),
    st.fixed_dictionaries(
        {
            "output_type": st.sampled_from(["execute_result", "display_data"]),
            "data": st.dictionaries(st.sampled_from(["text/plain", "image/png", "application/json"]), lines),
        }
    ),
    st.fixed_dictionaries({"output_type": st.just("error"), "traceback": st.lists(text, max_size=3)}),
)
cell = st.fixed_dictionaries(
    {
        "cell_type": st.sampled_from(["code", "markdown"]),
        "source": st.one_of(lines, text),
        "outputs": st.lists(output, max_size=3),
    }
)
notebooks = st.fixed_dictionaries({"cells": st.lists(cell, max_size=5), "nbformat": st.just(4)})


def _check(raw: str) -> None:
    chunks = notebook_chunks("n.ipynb", raw)
    if chunks is None:
        return
    file_lines = raw.count("\n") + 1
    for chunk in chunks:
        assert chunk.cell is not None and chunk.cell >= 1
        unended = 0 if chunk.text.endswith("\n") else 1
        assert chunk.line_map is not None and len(chunk.line_map) == chunk.text.count("\n") + unended
        assert all(1 <= line <= file_lines for line in chunk.line_map)
        assert list(chunk.line_map) == sorted(chunk.line_map)  # a part's lines appear in file order


@SETTINGS
@given(document=notebooks, indent=st.sampled_from([None, 1, 2]), ascii_only=st.booleans())
def test_generated_notebooks(document: Any, indent: int | None, ascii_only: bool) -> None:
    _check(json.dumps(document, indent=indent, ensure_ascii=ascii_only, sort_keys=True))


@SETTINGS
@given(document=notebooks.flatmap(lambda nb: mutated(nb, ("cells", "source", "outputs", "data", "text"))))
def test_mutated_notebooks(document: Any) -> None:
    _check(json.dumps(document, indent=1))


@SETTINGS
@given(raw=st.one_of(values.map(json.dumps), st.text(max_size=300)))
def test_arbitrary_text(raw: str) -> None:
    _check(raw)


def test_an_item_holding_several_lines_maps_each_of_them() -> None:
    """Found by the property above: a list item holding several lines shifted every later line."""
    document = {"cells": [{"cell_type": "code", "source": ["a\n\nb\n", "c\n"], "outputs": []}]}
    raw = json.dumps(document, indent=1)
    (chunk,) = notebook_chunks("n.ipynb", raw) or ()
    first = raw.splitlines().index('    "a\\n\\nb\\n",') + 1
    assert chunk.text == "a\n\nb\nc\n"
    assert chunk.line_map == (first, first, first, first + 1)
