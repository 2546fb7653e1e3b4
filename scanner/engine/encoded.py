"""Encoded secrets: base64 values (Kubernetes Secret `data:`, Docker `auths`, `.npmrc` `_auth`,
`Authorization: Basic`) and JSON-escaped text (a PEM key with `\\n` inside a JSON string). The engine
decodes only where a trigger hit: the base64 form of a rule keyword (derived here, and added to the one
prefilter), or a keyword inside a JSON string that holds `\\n`. Bounded in size and depth, so decoding
can never blow up time or memory."""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from collections.abc import Iterable

MAX_DEPTH = 2  # a base64 value inside a base64 value is decoded; a third level is not
# Words that announce encoded credentials although no rule looks for them: a Docker config is
# {"auths": {registry: {"auth": base64 of user:password}}}, and a Kubernetes `.dockerconfigjson` is
# base64 of one. Their base64 form triggers decoding like a keyword's; where the word itself is
# written, every base64 run within CONTAINER_REACH after it is decoded, since the password inside can
# be any token, one whose prefix is too short to leave a base64 trace of its own.
CONTAINER_WORDS = ("auths",)
CONTAINER_REACH = 65536
MAX_RUN = 16384  # characters of one encoded value
MIN_RUN = 16


# Runs of a value's characters, matched forwards from a position (and on the reversed text before it,
# for where the run starts): the regex engine walks them in C, where long lines (minified code, a
# data: URI, a lock file's hashes) cost a Python loop thousands of steps per keyword hit.
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]*")  # the base64 alphabets without `=`
_URL_RUN = re.compile(r"[A-Za-z0-9%._~+=/:@!*,;$-]*")  # what a query or form value holds unencoded
_NEAR = 64  # characters looked at before a position first; most runs are shorter


def _run_end(run: re.Pattern[str], text: str, position: int, limit: int) -> int:
    """Where the run of `run`'s characters that starts at `position` ends, not after `limit`."""
    found = run.match(text, position, limit)  # None only past the limit
    return found.end() if found is not None else position


def _run_start(run: re.Pattern[str], text: str, position: int, lowest: int) -> int:
    """Where the run of `run`'s characters that ends at `position` starts, not before `lowest`."""
    window = _NEAR
    while True:
        low = max(lowest, position - window)
        length = _run_end(run, text[low:position][::-1], 0, position - low)
        if length < position - low or low <= lowest:
            return position - length
        window *= 16


def encoded_keyword_literals(keyword: str, spellings: Iterable[str] = ()) -> set[str]:
    """The parts of the base64 encoding of `keyword` (as written in lower and upper case, and in each
    of `spellings`, such as `AIza` or `eyJ` where a format fixes the case) that are the same wherever
    it sits in the encoded value: three alignments, standard and URL-safe."""
    literals: set[str] = set()
    for variant in {keyword, keyword.upper(), *spellings}:
        data = variant.encode("utf-8")
        for align in range(3):
            encoded = base64.b64encode(b"\0" * align + data + b"\0\0").decode("ascii")
            start = -(-8 * align // 6)  # first output character fed only by keyword bits
            end = (8 * (align + len(data))) // 6
            literal = encoded[start:end]
            if len(literal) >= 4:
                literals.add(literal.lower())
                literals.add(literal.replace("+", "-").replace("/", "_").lower())
    return literals


def base64_run(text: str, position: int, floor: int = 0) -> tuple[int, int]:
    """The extent of the base64 value around `position`: base64-alphabet characters, at most MAX_RUN,
    not before `floor` (the end of the value taken before), starting after any `=` before it (as in
    `_auth=...`) and ending with at most two `=` of padding."""
    start = _run_start(_B64_RUN, text, position, max(floor, position - MAX_RUN))
    end = _run_end(_B64_RUN, text, position, min(len(text), start + MAX_RUN))
    padding = 0
    while end < len(text) and text[end] == "=" and padding < 2:
        end, padding = end + 1, padding + 1
    return start, end


_RUNS = re.compile(rf"[A-Za-z0-9+/_-]{{{MIN_RUN},{MAX_RUN}}}={{0,2}}")


def runs_in(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Where every base64-looking run of `text[start:end]` starts: inside a decoded value or a
    container of encoded credentials, any run is worth a look, not only those a keyword points at."""
    return [found.start() for found in _RUNS.finditer(text, start, len(text) if end is None else end)]


# A URL-encoded value (_URL_RUN): what a query string or form value may hold unencoded, and %XX
# escapes. It stops at `&`, whitespace, quotes and brackets, so one parameter (with its name) is
# decoded at a time.
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def has_percent_escape(text: str) -> bool:
    """Whether `text` holds a %XX escape anywhere: without one, no part of it URL-decodes."""
    return _PERCENT.search(text) is not None


def url_keyword_forms(keyword: str) -> set[str]:
    """`keyword` as URL encoding writes it, where that differs (`-----begin rsa` has its spaces as
    `%20` or `+`), lowercase like every prefilter literal (which matches %2F and %2f alike)."""
    forms = {urllib.parse.quote(keyword, safe="").lower(), urllib.parse.quote_plus(keyword, safe="").lower()}
    return forms - {keyword}


def url_run(text: str, position: int) -> tuple[int, int]:
    """The extent of the URL-encoded value around `position`, at most MAX_RUN characters."""
    start = _run_start(_URL_RUN, text, position, max(0, position - MAX_RUN))
    return start, _run_end(_URL_RUN, text, position, min(len(text), start + MAX_RUN))


def decode_url(value: str) -> str | None:
    """The percent-decoded text, or None when `value` holds no %XX escape or does not decode to
    printable UTF-8 (`+` is left alone: in a base64 secret it is a character, not a space)."""
    if not _PERCENT.search(value):
        return None
    try:
        text = urllib.parse.unquote(value, errors="strict")
    except UnicodeDecodeError:
        return None
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
    return text if printable >= 0.95 * len(text) else None


def decode_base64(value: str) -> str | None:
    """The decoded text, or None when `value` is not base64 of printable UTF-8 text."""
    body = value.rstrip("=")
    if len(body) < MIN_RUN:
        return None
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in body or "_" in body:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
    return text if text and printable >= 0.95 * len(text) else None


def json_string_around(text: str, position: int) -> tuple[int, int] | None:
    """The extent (quotes excluded) of the JSON string literal holding `position`, when it holds an
    escaped newline; None otherwise. Looks at most MAX_RUN characters either way, on one line (the
    quotes and line breaks are found with `str.find`, not a character at a time)."""
    low = max(0, position - MAX_RUN)
    line = text.rfind("\n", low, position)
    quote = text.rfind('"', low, position)
    while quote > line and quote >= 1 and text[quote - 1] == "\\":
        quote = text.rfind('"', low, quote)
    if quote < 0 or quote < line:
        return None
    high = min(len(text), position + MAX_RUN)
    line = text.find("\n", position, high)
    end = text.find('"', position, high)
    while end >= 0 and (line < 0 or end < line) and text[end - 1] == "\\":
        end = text.find('"', end + 1, high)
    if end < 0 or 0 <= line < end:
        return None
    start = quote + 1
    return (start, end) if "\\n" in text[start:end] else None


def unescape_json(value: str) -> str | None:
    try:
        decoded = json.loads(f'"{value}"')
    except ValueError:
        return None
    return decoded if isinstance(decoded, str) and "\n" in decoded else None
