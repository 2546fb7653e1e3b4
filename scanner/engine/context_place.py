"""Where a candidate sits: the kind of file, the part of the tree, and the line around it. Pure.

A translation file lists the word "password" in forty languages, a schema declares that a field named
password is a string, a test fixture holds the values its test expects; a configuration file or a
deployment script holds the ones a system uses.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

from scanner.engine.context_words import words

_CODE = words(
    """
    py pyi pyx js jsx mjs cjs ts tsx go java kt kts scala groovy gradle rb php cs vb fs c h cc cpp hpp
    cxx m mm swift rs dart lua pl pm hs ex exs erl clj cljs r jl vue svelte coffee elm ml nim zig
    """
)
_CONFIG = words(
    """
    yml yaml json json5 jsonc ini cfg conf config cnf properties env toml xml plist tf tfvars hcl
    tfstate npmrc pypirc netrc pgpass htpasswd service
    """
)
_DOCS = words("md markdown rst txt adoc asciidoc html htm textile org wiki ipynb")
_SCRIPT = words("sh bash zsh fish ps1 psm1 bat cmd mk dockerfile")
_DATA = words("sql csv tsv log dump ndjson snap golden har")
_TEMPLATE = words("example sample template tpl dist j2 jinja jinja2 erb ejs mustache hbs tmpl")
_SCRIPT_NAMES = frozenset({"dockerfile", "makefile", "jenkinsfile", "vagrantfile", "procfile", "rakefile"})

_TEST_DIRS = words(
    "test tests testing spec specs __tests__ __mocks__ fixture fixtures testdata mock mocks e2e"
)
_EXAMPLE_DIRS = words("example examples sample samples demo demos doc docs documentation tutorial")
_I18N_DIRS = words("locale locales i18n l10n lang langs language languages translations messages")
_I18N_EXTS = words("po pot strings resx xliff xlf arb")
_SCHEMA = re.compile(r"\.d\.ts$|\.(?:graphql|gql|proto|xsd|avsc)$|schema|swagger|openapi")

_COMMENT = re.compile(r"[ \t]*(?:#|//|/\*|\*|--|;|<!--|%|rem\b)")
_VB_COMMENT = re.compile(r"[ \t]*'")  # Visual Basic only: elsewhere a line may start with a quoted key
_VB = words("vb vbs bas cls frm")
_ASSERTION = re.compile(r"assert|expect|should|\.to\.|\beq\(|\bEqual|==")
_OUTPUT = re.compile(r"\b(?:print|println|printf|echo|puts|log|logger|console|warn|info|debug)\b", re.I)
_USER = re.compile(r"user|login|account|email|uid\b", re.I)
_DOC_PARAM = re.compile(r"[:@]param\b|@arg\b|:type\b|@type\b|\bArgs?:")
_EXAMPLE = re.compile(r"(?<![\w.@/-])(?:e\.g\.|for example|for instance|example|sample)(?![\w@/-])", re.I)


def _whole_word(text: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(text)}(?![A-Za-z0-9_])")


@lru_cache(maxsize=1024)
def file_kind(path: str) -> str:
    """code, config, docs, script, data, template or other, from the file name."""
    name = posixpath.basename(path).lower()
    if name in _SCRIPT_NAMES or name.startswith("dockerfile"):
        return "script"
    if name.startswith(".env"):
        return "config"
    ext = name.rpartition(".")[2]
    if ext in _TEMPLATE:
        return "template"
    for kind, exts in (("code", _CODE), ("config", _CONFIG), ("docs", _DOCS), ("script", _SCRIPT)):
        if ext in exts:
            return kind
    return "data" if ext in _DATA else "other"


@lru_cache(maxsize=1024)
def path_features(path: str) -> tuple[str, ...]:
    lowered = path.lower()
    parts = lowered.split("/")
    dirs, name = parts[:-1], parts[-1]
    features = [f"file:{file_kind(path)}"]
    if any(part in _I18N_DIRS for part in dirs) or name.rpartition(".")[2] in _I18N_EXTS:
        features.append("place:i18n")
    if _SCHEMA.search(name):
        features.append("place:schema")
    if any(part in _TEST_DIRS for part in dirs) or re.search(r"(?:^|[._-])(?:test|spec)s?(?:[._-]|$)", name):
        features.append("place:test")
    elif any(part in _EXAMPLE_DIRS for part in dirs):
        features.append("place:example")
    return tuple(features)


def context_path(path: str) -> tuple[str, ...]:
    """Everything context scoring reads of a file's path: files whose paths give the same judge every
    candidate alike (what a history audit's line memo tells lines apart by, scanner.engine.lines)."""
    visual_basic = path.rpartition(".")[2].lower() in _VB
    return (*path_features(path), *(("vb",) if visual_basic else ()))


def line_features(
    line: str, before: str, truncated: bool, value: tuple[str, int, int], path: str = ""
) -> list[str]:
    """`line` is the line (or the part of a long line around the candidate: `truncated`), `before`
    the part of it before the name, `value` the value with where it starts and ends in the line,
    `path` the file's."""
    features = []
    text, start, end = value
    if _COMMENT.match(line) or (path.rpartition(".")[2].lower() in _VB and _VB_COMMENT.match(line)):
        features.append("line:comment")
    rest = line[:start] + " " + line[end:]  # the line without the value
    if _EXAMPLE.search(before + " " + line[end:]):
        features.append("line:example")
    if len(text) >= 2 and _USER.search(rest) and _whole_word(text).search(rest):
        features.append("val:same-as-user")  # user: auth, password: auth; CREATE USER db1 PASSWORD 'db1'
    if _ASSERTION.search(line):
        features.append("line:assertion")
    if _OUTPUT.search(before):
        features.append("line:output")
    if _USER.search(line):
        features.append("line:user")
    if truncated:
        features.append("line:long")
    if _DOC_PARAM.search(line):
        features.append("line:doc-param")
    return features
