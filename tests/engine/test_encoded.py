"""The decoding helpers at their edges: short and invalid base64, JSON strings that end at a newline or
run past the look-around limit, and JSON escapes that do not decode."""

from __future__ import annotations

import base64

from scanner.engine.encoded import MAX_RUN, MIN_RUN, decode_base64, json_string_around, unescape_json


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


def test_unescape_json() -> None:
    assert unescape_json("a\\nb") == "a\nb"
    assert unescape_json("a\\qb") is None  # invalid escape
    assert unescape_json("no newline") is None
