"""Strategies shared by the fuzz tests: YAML/JSON-like values, and documents mutated from a valid one."""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import strategies as st

text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    st.sampled_from(
        ["", "high", "low", "2027-01-31", "scrypt", "(?P<secret>x{1,5})", "*", "[", "(?P<secret>"]
    ),
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)


@st.composite
def mutated(draw: st.DrawFn, document: Any, extra_keys: tuple[str, ...] = ()) -> Any:
    """`document` with up to four edits at random places: a value replaced, a key deleted or added,
    a list item dropped or duplicated."""
    result = copy.deepcopy(document)
    for _ in range(draw(st.integers(0, 4))):
        node, path = result, []
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
            path.append((node, key))
            node = node[key]
        if not path:
            continue
        parent, key = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if action == "replace":
            parent[key] = draw(values)
        elif action == "delete":
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.one_of(text, st.sampled_from(extra_keys or ("x",))))] = draw(values)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return result


def examples(default: int) -> int:
    """`default` examples per property, times $SPILLGUARD_FUZZ_SCALE (1 in the test run; raise it to
    search longer: `SPILLGUARD_FUZZ_SCALE=50 pytest tests/fuzz`)."""
    return default * max(1, int(os.environ.get("SPILLGUARD_FUZZ_SCALE", "1")))
