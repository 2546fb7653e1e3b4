"""Context scoring: how sure the engine is that a value written under a credential-like name is a
credential. Pure.

A context-scored rule's pattern captures the name (`name` group) and the value (`secret` group). The
candidate is described by features of the name (engine.context_names), of the value
(engine.context_values), of where it is (engine.context_place) and of how it is written (the text
between name and value: `=`, `:`, `==`, a call, an XML element, a command-line flag). A logistic model
(engine.context_model: weights as data, trained by scripts/train_context.py) turns the features into a
confidence from 0 to 1; the rule's `context` settings say from which confidence a candidate is reported,
and from which it keeps the rule's severity (below, it is reported at low severity). The reasons are
the features that weighed most, in words; they never quote the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from scanner.engine import context_model
from scanner.engine.context_form import Candidate, attaches, form_of, line_of, name_around
from scanner.engine.context_names import NameInfo, classify_name
from scanner.engine.context_place import file_kind, line_features, path_features
from scanner.engine.context_reasons import DESCRIPTIONS
from scanner.engine.context_values import looks_random, value_features, veto
from scanner.model import ContextSpec, Judgement

MAX_REASONS = 3
_KDF = re.compile(r"\b(?:kdf|scrypt|pbkdf2|bcrypt|argon2\w*|iterations|rounds|cost)\b", re.I)
_TEST_OUTPUT = re.compile(r"[ \t]*(?:---|===|\[)[ \t]*(?:PASS|FAIL|SKIP|RUN|OK)\b")  # go test, gtest
_URL_AUTHORITY = re.compile(r"://[^\s\"'`/@]*$")  # scheme://user:pass@host: the URL rules' part
_IN_URL = re.compile(r"://[^\s\"'`]*$")
_DOC_NAME = re.compile(r"(?:[:@]param|@arg|@property|:ivar|:type|@type)(?:[ \t]+[\w.\[\]|]+)?[ \t]+$")
_OPTION = re.compile(r"--?[A-Za-z][A-Za-z0-9_-]*")  # `--no-password --insecure`
# What may come right before a name in code, configuration, a URL or a command line
_BEFORE_NAME = frozenset(" \t\"'`{([,;&?.:/@$_-<")
_DATA_PUNCTUATION = 10  # kinds of punctuation in a line of base85 (85 symbols, 23 of them punctuation)
# The symbols of the base85 alphabet of RFC 1924 (git's binary patches, Python's b85encode, get-pip.py)
_BASE85_SYMBOLS = frozenset("!#$%&()*+-;<=>?@^_`{|}~")


def encoded_data(line: str, before: str) -> bool:
    """Whether the name sits inside a line of encoded data (a base85 archive in a Python script, as
    get-pip.py ships): 60 characters or more, no whitespace, ten kinds of punctuation or more (a URL, a
    minified JSON object or a connection string uses far fewer), and either nothing but the base85
    alphabet (no quote, comma, colon, dot or slash: code, JSON and URLs cannot do without them), or the
    name glued to a symbol that never precedes a name in code (`^pw=`, `~pass=`, `)pwd=`: other
    alphabets, such as Adobe's ASCII85)."""
    if len(line) < 60 or any(ch.isspace() for ch in line):
        return False
    symbols = {ch for ch in line if not ch.isalnum()}
    if len(symbols) < _DATA_PUNCTUATION:
        return False
    if line.isascii() and symbols <= _BASE85_SYMBOLS:
        return True
    return bool(before) and before[-1] not in _BEFORE_NAME


def features(candidate: Candidate, info: NameInfo) -> tuple[list[str], str | None]:
    """The candidate's features, and the veto that drops it whatever they say (or None)."""
    form, literal = form_of(candidate)
    code = file_kind(candidate.path) == "code"
    vetoed = veto(candidate.value, literal, code)
    if vetoed is not None:
        return [], vetoed
    if form == "form:flag" and not literal and _OPTION.fullmatch(candidate.value):
        return [], "the next command-line option, not a value"
    if info.kind == "plain_key" and not looks_random(candidate.value):
        return [], "a plain key name without a random-looking value"
    line, before, cut = line_of(candidate)
    if info.kind == "salt" and _KDF.search(line):
        return [], "a salt stored with its hash's parameters (public by design)"
    if _DOC_NAME.search(before):
        return [], "a parameter's documentation"
    if _TEST_OUTPUT.match(line):
        return [], "a test runner's output"
    if encoded_data(line, before):
        return [], "inside a line of encoded data (base85 and the like), not an assignment"
    if _URL_AUTHORITY.search(before) and "@" in candidate.value:
        return [], "credentials in a URL (the URL rules read them)"
    found = [*info.features, form, *path_features(candidate.path)]
    text, start = candidate.text, candidate.name_start
    lead = text[max(0, start - 2) : start]
    if lead[-1:] in ("'", '"'):
        found.append("name:quoted")
    elif lead == "${":
        found.append("form:template-default")
    if _IN_URL.search(before):
        found.append("line:in-url")
    found += value_features(candidate.value, literal, code, info.kind or "", info.word, info.qualifiers)
    at = candidate.value_start - (candidate.name_start - len(before))
    where = (candidate.value, at, at + len(candidate.value))
    found += line_features(line, before, cut, where, candidate.path)
    # on its own line only: what the context reads never crosses a line break (engine.locality)
    if literal and text[candidate.value_end + 1 : candidate.value_end + 3].lstrip(" \t")[:1] == "+":
        found.append("val:concatenated")
    return found, None


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def score(found: list[str], weights: Mapping[str, float], bias: float) -> tuple[float, tuple[str, ...]]:
    """The model's confidence and the reasons: the features that weighed most, strongest first."""
    contributions = [(weights[f], f) for f in found if f in weights]
    z = bias + sum(w for w, _ in contributions)
    ranked = sorted(contributions, key=lambda item: (-abs(item[0]), item[1]))[:MAX_REASONS]
    reasons = tuple(f"{'+' if w > 0 else '-'} {describe(f)}" for w, f in ranked if w != 0)
    return round(_sigmoid(z), 3), reasons


def describe(feature: str) -> str:
    """A feature in words, for a finding's reasons."""
    kind, cross, shape = feature.partition("+")
    if cross and ":" not in kind:  # a name kind with a value shape: `password+digest`
        return f"{kind.replace('_', ' ')} name, {DESCRIPTIONS['shape:' + shape]}"
    return DESCRIPTIONS.get(feature, feature)


def owns(spec: ContextSpec, text: str, start: int) -> bool:
    """Whether a keyword hit at `start` may start a candidate of the rule: the name it sits in is of a
    kind the rule reports, and something that attaches a value follows it. Checked before the rule's
    regex runs there, so `tokenize(`, `tokens[0]`, `author =` or `monkey` cost a dictionary lookup."""
    name, head, end = name_around(text, start)
    return attaches(text, head, end) and classify_name(name).kind in spec.kinds


def judge(spec: ContextSpec, candidate: Candidate) -> Judgement | None:
    """The rule's verdict on a candidate: None when the name is not of a kind the rule reports (another
    rule, or none, owns it); a judgement with confidence 0 and the veto as reason when the value is
    never a credential; else the model's confidence and reasons."""
    info = classify_name(candidate.name or spec.name or "")
    kind = info.kind
    if kind is None or kind not in spec.kinds:
        return None
    found, vetoed = features(candidate, info)
    if vetoed is not None:
        return Judgement(0.0, (f"- {vetoed}",))
    confidence, reasons = score(found, context_model.WEIGHTS, context_model.BIAS)
    return Judgement(confidence, reasons, tuple(found))
