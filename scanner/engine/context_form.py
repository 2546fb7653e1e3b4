"""A context-scored candidate as the pattern found it: its name, its value, how the two are joined
(`=`, `:`, `==`, a call, an XML element, a flag), and the line around them. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from scanner.engine.context_names import split_words

NAME_REACH = 40  # how far a name is followed back from the keyword that starts the match
LINE_REACH = 160  # the line around a candidate is read this far each way (minified lines are long)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-$")
_NAME_AHEAD = re.compile(rf"[A-Za-z0-9_.-]{{0,{NAME_REACH}}}")
SPACE_REACH = 80  # how far past spaces a name's joint, or back before it its line, is looked for
# Dockerfile `ENV NAME value`, .netrc `login u password p`, an XML element with attributes
_SPACED_NAME = re.compile(r"\b(?:ENV|ARG)[ \t]+$|\blogin[ \t]+\S+[ \t]+$|<(?:[A-Za-z0-9_-]{1,20}:)?$")
_PREFIX = re.compile(r"(?<=[\s,=:(])[bBrRuUfF]{1,2}$")  # a string literal's prefix: b"", rb''
_NAME_BEHIND = re.compile(r"[A-Za-z0-9_.$-]+\Z")  # searched up to the hit: the run that ends there


@dataclass(frozen=True)
class Candidate:
    """What a context-scored pattern matched, with offsets into `text`. An empty name: the pattern
    captures none (a SQL statement, a command line), and the rule's `context.name` stands for it."""

    text: str
    path: str
    name: str
    name_start: int
    name_end: int
    value: str
    value_start: int
    value_end: int


def candidate_of(found: regex.Match[str], text: str, path: str) -> Candidate:
    """The candidate a match describes. The `name` group may start at the keyword (the regex then
    starts where the prefilter hit, which is fast): the name is followed back over identifier
    characters to where it starts (`client_` of `client_secret`)."""
    name_start, name_end = found.span("name") if "name" in found.re.groupindex else (-1, -1)
    value_start, value_end = found.span("secret")
    if name_start < 0:
        name_start = name_end = found.start()
    else:
        floor = max(0, name_start - NAME_REACH)
        while name_start > floor and text[name_start - 1] in _NAME_CHARS:
            name_start -= 1
        while name_start < name_end and text[name_start] in "-.$":
            name_start += 1
    value = found.group("secret")
    return Candidate(
        text, path, text[name_start:name_end], name_start, name_end, value, value_start, value_end
    )


# What can follow a name where a value is attached to it: a closing quote or bracket, `=`, `:`, `(`,
# `>`, `\` (an escaped quote), a space or tab (`--flag value`, `ENV NAME value`, `NAME = value`).
JOINT_START = frozenset("\"'`]=:(>\\ \t")


def attaches(text: str, head: int, end: int) -> bool:
    """Whether something that attaches a value may follow the name `text[head:end]`: a closing quote
    or bracket, `=`, `:`, `(`, `>`, `\\`; after spaces, `=`, `:` or `(` (`NAME   = value`), or
    anything where the name is a flag (`--password value`), an XML element's (`<pwd type="x">`) or
    follows `ENV`, `ARG` or `login`."""
    following = text[end : end + 1]
    if following not in JOINT_START:
        return False
    if following not in " \t":
        return True
    rest = text[end : end + SPACE_REACH].lstrip(" \t")
    if rest[:1] in ("=", ":", "("):
        return True
    low = max(0, head - SPACE_REACH)
    line = text[text.rfind("\n", low, head) + 1 or low : head]  # at most SPACE_REACH back
    return line.endswith("-") or _SPACED_NAME.search(line) is not None


def name_around(text: str, start: int) -> tuple[str, int, int]:
    """The identifier a keyword hit at `start` sits in (what `candidate_of` will call the name), read
    without running the rule's regex, with where it starts and ends: the hit may start at a quote
    (`"pass"`), the name runs on at most NAME_REACH characters each way."""
    begin = start
    while begin < len(text) and begin - start < 2 and text[begin] in "\\\"'":
        begin += 1
    end = _NAME_AHEAD.match(text, begin).end()  # type: ignore[union-attr]  # {0,n} always matches
    head = begin
    if begin and text[begin - 1] in _NAME_CHARS:  # the name started before the keyword
        head = _NAME_BEHIND.search(text, max(0, begin - NAME_REACH), begin).start()  # type: ignore[union-attr]
    while head < end and text[head] in "-.$":
        head += 1
    return text[head:end], head, end


def _in_string(text: str, at: int) -> bool:
    """Whether `at` is inside a quoted string of its line: an odd number of one quote before it."""
    low = max(0, at - LINE_REACH)
    line = text[text.rfind("\n", low, at) + 1 or low : at]
    return line.count('"') % 2 == 1 or line.count("'") % 2 == 1


def form_of(candidate: Candidate) -> tuple[str, bool]:
    """How the value is attached to its name, and whether it is a literal (quoted, inside the string
    that also holds its name, an XML element's text, a query parameter)."""
    text = candidate.text
    if not candidate.name:
        return "form:implied", text[candidate.value_start - 1 : candidate.value_start] in ("'", '"')
    joint = text[candidate.name_end : candidate.value_start]
    lead = text[max(0, candidate.name_start - 2) : candidate.name_start]
    quoted = bool(joint) and joint[-1] in "\"'`"
    bare = text[candidate.value_start - 1 : candidate.value_start] not in ("'", '"', "`")
    if bare and joint.strip() == "=" and _in_string(text, candidate.name_start):
        quoted = True  # "Server=db;AccountKey=abc..." : name and value inside one string
    stripped = _PREFIX.sub("", joint.rstrip("\"'` \t\\")).rstrip(" \t").lstrip("\"'` \t\\]")
    tail = joint.rstrip(" \t")
    if tail.endswith(">") and not tail.endswith(("=>", "->")):
        return "form:xml", True
    if lead.endswith("-") and (not stripped or stripped.endswith(",")):
        return "form:flag", quoted
    if "value" in stripped.lower() or "content" in stripped.lower():
        return "form:attr", quoted
    if stripped.endswith(","):
        # ("DB_PASSWORD", "...") defines a setting; ("secret", "HS256") is any call's arguments
        return ("form:arg" if len(split_words(candidate.name)) > 1 else "form:arg-word"), quoted
    if lead[-1:] in ("?", "&") and stripped == "=":
        return "form:query", True
    if stripped.startswith("=="):
        return "form:compare", quoted
    if stripped.endswith("("):
        return "form:call", quoted
    if "=" in stripped:
        return "form:assign", quoted
    return ("form:colon" if ":" in stripped else "form:space"), quoted


def line_of(candidate: Candidate) -> tuple[str, str, bool]:
    """The line around the candidate (at most LINE_REACH characters each way), the part of it before
    the name, and whether the line goes on beyond what was read."""
    text = candidate.text
    low = max(0, candidate.name_start - LINE_REACH)
    start = text.rfind("\n", low, candidate.name_start) + 1 or low
    high = min(len(text), candidate.value_end + LINE_REACH)
    end = text.find("\n", candidate.value_end, high)
    line = text[start : high if end == -1 else end]
    cut = (start == low and low > 0 and text[low - 1] != "\n") or (end == -1 and high < len(text))
    return line, text[start : candidate.name_start], cut
