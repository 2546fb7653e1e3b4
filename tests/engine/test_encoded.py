"""The decoding helpers at their edges: short and invalid base64, JSON strings that end at a newline or
run past the look-around limit, JSON escapes that do not decode, and the extent of base64 and URL-encoded
runs against their definition."""

from __future__ import annotations

import base64
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.encoded import (
    MAX_RUN,
    MIN_RUN,
    base64_run,
    decode_base64,
    json_string_around,
    unescape_json,
    url_run,
)


def test_base64_too_short_invalid_or_binary_is_not_decoded() -> None:
    text = "user:password-for-the-db"
    assert decode_base64(base64.b64encode(text.encode()).decode()) == text
    assert decode_base64(base64.urlsafe_b64encode(b"\xfb\xff" + text.encode()).decode()) is None  # not UTF-8
    assert decode_base64("QUJD" * (MIN_RUN // 4 - 1)) is None  # shorter than MIN_RUN
    assert decode_base64("!" * MIN_RUN) is None
    assert decode_base64(base64.b64encode(b"\x01\x02\x03" * 8).decode()) is None  # not printable


def test_json_string_around_needs_an_escaped_newline_on_one_line() -> None:
    text = 'x = {"key": "-----BEGIN KEY-----\\nabc\\n-----END KEY-----"}'
    position = text.index("BEGIN")
    assert json_string_around(text, position) == (text.index("-----BEGIN"), text.rindex('"'))
    assert json_string_around('{"k": "plain value"}', 8) is None  # no \n inside
    assert json_string_around('"abc\n  def\\n"', 7) is None  # a real newline before the position
    assert json_string_around('"abc\\n def\n"', 3) is None  # a real newline after it
    assert json_string_around("no quote before " + "a" * 10, 20) is None  # reaches the start


def test_json_string_around_gives_up_past_the_look_around_limit() -> None:
    long_before = '"' + "a" * (MAX_RUN + 10) + '\\n"'
    assert json_string_around(long_before, MAX_RUN + 5) is None
    long_after = '"\\n' + "a" * (MAX_RUN + 10) + '"'
    assert json_string_around(long_after, 3) is None
    unterminated = '"\\nabc'
    assert json_string_around(unterminated, 3) is None
    at_the_limit = '"\\n' + "a" * (MAX_RUN - 3) + '"'  # the opening quote MAX_RUN characters back
    assert json_string_around(at_the_limit, MAX_RUN) == (1, len(at_the_limit) - 1)
    assert json_string_around(at_the_limit, MAX_RUN + 1) is None  # one further: out of reach
    escaped_first = '\\"x\\ny"'  # the quote at index 1 is escaped: no string opens there
    assert json_string_around(escaped_first, 3) is None


def test_unescape_json() -> None:
    assert unescape_json("a\\nb") == "a\nb"
    assert unescape_json("a\\qb") is None  # invalid escape
    assert unescape_json("no newline") is None


# The definitions, a character at a time: what the regex walks of base64_run and url_run, and the
# searches of json_string_around, must give wherever the position is, whatever the floor, on runs
# shorter and longer than MAX_RUN.
_B64 = frozenset(string.ascii_letters + string.digits + "+/-_")
_URL = frozenset(string.ascii_letters + string.digits + "%._~+=/:@!*,;$-")


def _base64_run_by_char(text: str, position: int, floor: int) -> tuple[int, int]:
    start, lowest = position, max(floor, position - MAX_RUN)
    while start > lowest and text[start - 1] in _B64:
        start -= 1
    end = position
    while end < len(text) and end - start < MAX_RUN and text[end] in _B64:
        end += 1
    padding = 0
    while end < len(text) and text[end] == "=" and padding < 2:
        end, padding = end + 1, padding + 1
    return start, end


def _url_run_by_char(text: str, position: int) -> tuple[int, int]:
    start = position
    while start > 0 and position - start < MAX_RUN and text[start - 1] in _URL:
        start -= 1
    end = position
    while end < len(text) and end - start < MAX_RUN and text[end] in _URL:
        end += 1
    return start, end


def _json_string_by_char(text: str, position: int) -> tuple[int, int] | None:
    start = position
    while start > 0 and position - start < MAX_RUN:
        if text[start - 1] == "\n":
            return None
        if text[start - 1] == '"' and (start < 2 or text[start - 2] != "\\"):
            break
        start -= 1
    else:
        return None
    end = position
    while end < len(text) and end - position < MAX_RUN:
        if text[end] == "\n":
            return None
        if text[end] == '"' and text[end - 1] != "\\":
            break
        end += 1
    else:
        return None
    return (start, end) if "\\n" in text[start:end] else None


_PIECES = st.sampled_from(
    ["a", "Z9", "+/", "-_", "=", "%2F", ".~:@", " ", "&", '"', "\n", "é", "\\", "\\n", '\\"']
)


@st.composite
def _texts(draw: st.DrawFn) -> tuple[str, int, int]:
    parts = draw(st.lists(st.tuples(_PIECES, st.sampled_from([1, 3, 40, 70, 1100, MAX_RUN + 5])), max_size=6))
    text = "".join(piece * count for piece, count in parts) or "x"
    position = draw(st.integers(0, len(text)))
    return text, position, draw(st.integers(0, position))


@st.composite
def _json_strings(draw: st.DrawFn) -> tuple[str, int]:
    """A JSON string literal (escaped newlines, quotes and backslashes inside, sometimes longer than
    MAX_RUN) between other text, and a position anywhere."""
    edge = st.sampled_from(["", "x", '"', "\n", '\\"', "\\\\"])
    inside = st.lists(st.sampled_from(["a", "\\n", '\\"', "\\\\", " ", "é"]), max_size=8)
    padding = "k" * draw(st.sampled_from([0, 30, MAX_RUN]))
    body = padding + "".join(draw(inside)) + "".join(draw(inside))
    text = draw(edge) + '"' + body + '"' + draw(edge)
    return text, draw(st.integers(0, len(text)))


@given(_json_strings())
@settings(max_examples=300, deadline=None)
def test_json_strings_are_found_as_their_definition_says(case: tuple[str, int]) -> None:
    text, position = case
    assert json_string_around(text, position) == _json_string_by_char(text, position)


@given(_texts())
@settings(max_examples=300, deadline=None)
def test_runs_are_walked_as_their_definition_says(case: tuple[str, int, int]) -> None:
    text, position, floor = case
    assert base64_run(text, position, floor) == _base64_run_by_char(text, position, floor)
    assert base64_run(text, position) == _base64_run_by_char(text, position, 0)
    assert url_run(text, position) == _url_run_by_char(text, position)
    assert json_string_around(text, position) == _json_string_by_char(text, position)


def test_runs_stop_at_their_bound_on_one_long_line() -> None:
    text = "k" * (3 * MAX_RUN)
    middle = len(text) // 2
    assert base64_run(text, middle) == (middle - MAX_RUN, middle)  # MAX_RUN before it fills the run
    assert url_run(text, 10) == (0, MAX_RUN)
    assert base64_run(text, middle, middle - 5) == (middle - 5, middle - 5 + MAX_RUN)
