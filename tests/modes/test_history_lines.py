"""The history audit's line memo (scanner.modes.history_lines) gives each blob exactly the findings,
notices and counts a scan of the whole blob gives, with either keyword backend: shown blob by blob on
texts built from lines that stress it (a secret at the first or last line, the halves of a pair on
different lines, key blocks, encoded values, container words, long lines, CRLF, characters that
case-insensitive patterns read as ASCII letters), and on whole repositories, where the audit with the
memo and the audit without it must report the same."""

from __future__ import annotations

import base64
import urllib.parse
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.engine.prefilter import available_backends
from scanner.model import Policy, Report
from scanner.modes.file_step import FileStep
from scanner.modes.history import audit_history
from scanner.modes.history_lines import LineMemo
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_builtin_rules, load_rules
from scanner.sources.git import BlobText
from scanner.sources.text import UTF8, Encoding, sniff
from tests.conftest import git
from tests.modes.test_git_modes import commit_file
from tests.tokens import github_token

BACKENDS = [name for name in ("pyahocorasick", "hyperscan") if name in available_backends()]
_RULES = {rule.id: rule for rule in load_builtin_rules()}


def _example(rule_id: str, number: int = 0) -> list[str]:
    return _RULES[rule_id].examples.positive[number].rstrip("\n").split("\n")


TOKEN = github_token()
# judged by its context, which reads the path: reported in a test or a YAML file, not in app code
JUDGED_BY_PATH = "pwd = 'abc12345'"
PEM = _example("private-key.rsa")
BLOCKS: list[list[str]] = [
    ["import os", "x = 1", "def f(a):", "    return a", "", "# a comment about tokens"],
    [f"GITHUB_TOKEN = '{TOKEN}'"],
    [f"NEXT_PUBLIC_TOKEN = '{TOKEN}'"],  # exposed to browsers: severity raised
    [f"t = '{TOKEN}'  # spillguard:allow"],
    *[_example("generic.password-assignment", n) for n in (0, 1, 2)],
    _example("generic.token-assignment"),
    _example("leak.env-fallback-python"),
    ["X = os.environ.get(", '    "DB_PASSWORD",', '    "Lrx6HLjxzsiFBJpRNIovd")'],  # across lines
    _example("leak.dockerfile-env-arg"),
    _example("url-credentials.basic-auth"),
    _example("mail.client-config-password"),
    _example("http-auth.basic-header", 1),
    _example("aws.secret-access-key-pair", 1),  # the halves of a pair on different lines
    _example("leak.github-actions-env"),
    _example("framework.secret-key"),  # (both line-local since their duplicate `secret` groups are
    _example("wordpress.auth-keys-salts"),  # measured: engine.width.python_parsable)
    _example("django.secret-key"),
    _example("http-auth.basic-header", 4),  # a tab after `Basic`
    PEM,
    PEM[:3],  # a key block cut short
    ['"key": "' + "\\n".join(PEM) + '"'],  # JSON-escaped
    ["data: " + base64.b64encode(f"token={TOKEN}".encode()).decode()],
    ["url = 'https://x.invalid/?t=" + urllib.parse.quote(f"'{TOKEN}'") + "'"],
    ['{"auths": {"r.io": {"auth": "' + base64.b64encode(b"deploy:N7q2xV9kLm4R8pQ").decode() + '"}}}'],
    ["café = 'déjà vu'", "naïve = password"],
    ["\u212a = 'kelvin'", f"ſecret = '{TOKEN}'"],  # read as k and s by case-insensitive patterns
    ["x = '" + "a" * 6000 + "'"],  # a long line in a file that is not minified
    ["password = '" + "b" * 1200 + "'"],
    [JUDGED_BY_PATH],
]
PATHS = ["a.py", "Dockerfile", "package-lock.json", ".github/workflows/ci.yml", "b/x.min.js", "n.ipynb"]
PATHS += ["tests/test_app.py", "docs/setup.md", "locale/fr/messages.json", "config/app.yml", "m.vb"]


def _rulesets() -> dict[str, CompiledRuleset]:
    return {name: CompiledRuleset(load_rules(), name) for name in BACKENDS}


RULESETS = _rulesets()


@st.composite
def _texts(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=6))
    lines = [line for block in blocks for line in block]
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + draw(st.sampled_from(["", ending]))


def _full(step: FileStep, text: BlobText, path: str, blob: str) -> tuple[object, ...]:
    scanned = step.scan(text.read(path, blob), path, blob=blob)
    return scanned.findings, scanned.notices, scanned.stats


def _split(
    memo: LineMemo, step: FileStep, batch: list[tuple[str, str, BlobText]]
) -> list[tuple[object, ...]]:
    found = memo.scan(batch)
    results = []
    for (blob, path, text), scanned in zip(batch, found, strict=True):
        if scanned is None:  # the memo hands it back: scanned whole, as the audit does
            results.append(_full(step, text, path, blob))
        else:
            results.append((scanned.findings, scanned.notices, scanned.stats))
    return results


def _blob(text: str) -> BlobText:
    data = text.encode("utf-8")
    encoding = sniff(data[:8192])
    assert encoding is not None
    return BlobText(data, encoding)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_memo_findings_equal_whole_blob_findings(backend: str, data: st.DataObject) -> None:
    step = FileStep(RULESETS[backend], Policy())
    step.prepare()
    memo = LineMemo(step)
    texts = data.draw(st.lists(_texts(), min_size=1, max_size=5))
    items = [(f"blob{n}", data.draw(st.sampled_from(PATHS)), _blob(text)) for n, text in enumerate(texts)]
    cut = data.draw(st.integers(0, len(items)))
    for batch in (items[:cut], items[cut:]):  # memo state carried from one batch to the next
        expected = [_full(step, text, path, blob) for blob, path, text in batch]
        assert _split(memo, step, batch) == expected


@st.composite
def _versions(draw: st.DrawFn) -> list[str]:
    """Successive versions of one file, each an edit of the one before (a block inserted, removed or
    replaced anywhere, the first and last lines included; the final line break added or dropped), as a
    file's history gives them: the memo looks again only at what changed (history_versions)."""
    blocks = draw(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=6))
    ending = draw(st.sampled_from(["\n", ""]))
    versions = []
    for _ in range(draw(st.integers(2, 6))):
        versions.append("\n".join(line for block in blocks for line in block) + ending)
        edit = draw(st.sampled_from(["insert", "remove", "replace", "ending"]))
        at = draw(st.integers(0, len(blocks)))
        if edit == "insert" or not blocks:
            blocks.insert(at, draw(st.sampled_from(BLOCKS)))
        elif edit == "remove" and len(blocks) > 1:
            del blocks[min(at, len(blocks) - 1)]
        elif edit == "replace":
            blocks[min(at, len(blocks) - 1)] = draw(st.sampled_from(BLOCKS))
        else:
            ending = "" if ending else "\n"
    return versions


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_later_versions_of_a_file_give_what_a_whole_scan_gives(backend: str, data: st.DataObject) -> None:
    step = FileStep(RULESETS[backend], Policy())
    step.prepare()
    memo = LineMemo(step)
    path = data.draw(st.sampled_from(PATHS))
    items = [(f"v{n}", path, _blob(text)) for n, text in enumerate(data.draw(_versions()))]
    cuts = sorted(data.draw(st.sets(st.integers(1, len(items) - 1))))
    # an earlier version in the same batch, or in one before (assembled, its clean lines dropped)
    for start, end in zip([0, *cuts], [*cuts, len(items)], strict=True):
        batch = items[start:end]
        expected = [_full(step, text, path, blob) for blob, path, text in batch]
        assert _split(memo, step, batch) == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_line_that_comes_to_an_edge_is_scanned_there(backend: str) -> None:
    """A version cut right after a line, or grown before one, puts a line that sat in the middle at the
    end or the start of the text, where patterns anchored there match."""
    rule = _RULES["github.pat-classic"]
    at_end = replace(rule, id="test.at-end", pattern=r"(?P<secret>ghp_[A-Za-z0-9]{36})$", keywords=("ghp_",))
    step = FileStep(CompiledRuleset((at_end,), backend), Policy())
    step.prepare()
    memo = LineMemo(step)
    middle = f"x = 1\n{TOKEN}\ny = 2\n"
    cut = f"x = 1\n{TOKEN}\n"  # the line that was in the middle is now the last, before the final break
    items = [("a", "a.py", _blob(middle)), ("b", "a.py", _blob(cut)), ("c", "a.py", _blob(middle))]
    expected = [_full(step, text, path, blob) for blob, path, text in items]
    assert [len(found[0]) for found in expected] == [0, 1, 0]  # type: ignore[arg-type]
    # the first version assembled (its lines known to hold nothing dropped) before the others are read
    assert _split(memo, step, items[:1]) == expected[:1]
    assert _split(memo, step, items[1:]) == expected[1:]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("secret_first", [False, True])
def test_a_half_of_a_pair_added_next_to_the_other_is_found(backend: str, secret_first: bool) -> None:
    """A rule that is not line-local, whose region reaches the lines around its hit: a version that adds
    the other half of the pair next to an unchanged line holding the first (after it or before it)
    cannot take over what that line's region held before."""
    step = FileStep(RULESETS[backend], Policy())
    step.prepare()
    memo = LineMemo(step)
    head, key_id, secret, tail = (
        _example("aws.secret-access-key-pair", 1)[:2],
        *_example("aws.secret-access-key-pair", 1)[2:4],
        [")", "x = 1", "y = 2"],
    )
    lonely = "\n".join([*head, key_id, *tail]) + "\n"
    if secret_first:  # the key's line in the unchanged part after the change (the first line edited too)
        pair = [head[0] + "  # v2", head[1], "s = " + secret.strip(), key_id, *tail]
    else:  # in the unchanged part before it
        pair = [*head, key_id, secret, *tail]
    items = [("a", "a.py", _blob(lonely)), ("b", "a.py", _blob("\n".join(pair) + "\n"))]
    expected = [_full(step, text, path, blob) for blob, path, text in items]
    found = [{f.rule_id for f in got[0]} for got in expected]  # type: ignore[attr-defined]
    assert "aws.secret-access-key-pair" not in found[0] and "aws.secret-access-key-pair" in found[1]
    assert _split(memo, step, items[:1]) == expected[:1]
    assert _split(memo, step, items[1:]) == expected[1:]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_container_word_below_the_first_line_decodes_what_follows_it(backend: str) -> None:
    """After `auths` (a Docker config), every base64 run is decoded, on lines with no keyword too: the
    lines from the container word's on are scanned together; those before it, line by line."""
    step = FileStep(RULESETS[backend], Policy())
    step.prepare()
    memo = LineMemo(step)
    hidden = base64.b64encode(f"deploy:{TOKEN}".encode()).decode()
    config = ["# registry login", "x = 1", '{"auths": {', f'  "r.io": {{"a": "{hidden}"}}', "}}"]
    texts = ["\n".join(config) + "\n", "\n".join(config), "\n".join([*config[:2], "y = 2", *config[2:]])]
    items = [(f"c{n}", "a.json", _blob(text)) for n, text in enumerate(texts)]
    expected = [_full(step, text, path, blob) for blob, path, text in items]
    assert all("github.pat-classic" in {f.rule_id for f in got[0]} for got in expected)  # type: ignore[attr-defined]
    assert _split(memo, step, items) == expected
    if backend == "hyperscan":  # split, not handed back (the pyahocorasick path hands it back)
        assert all(result is not None for result in memo.scan(items))


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_block_at_every_place(backend: str) -> None:
    """Each block as a whole file, as its first lines, in the middle and as its last lines, several
    times over (what a line holds at each place is taken from the memo the second time)."""
    step = FileStep(RULESETS[backend], Policy())
    step.prepare()
    memo = LineMemo(step)
    filler = ["x = 1", "y = 2"]
    batch = []
    for n, block in enumerate(BLOCKS):
        for shape, lines in enumerate((block, block + filler, filler + block + filler, filler + block)):
            for ending in ("\n", ""):
                text = "\n".join(lines) + ending
                batch.append((f"b{n}-{shape}-{len(ending)}", "a.py", _blob(text)))
    for _ in range(2):
        expected = [_full(step, text, path, blob) for blob, path, text in batch]
        assert _split(memo, step, batch) == expected


def test_texts_the_memo_does_not_split_are_handed_back() -> None:
    step = FileStep(RULESETS[BACKENDS[0]], Policy())
    step.prepare()
    memo = LineMemo(step)
    utf16 = BlobText("\ufeffx = 1\ny = 2\n".encode("utf-16"), Encoding("utf-16", 2))
    single = _blob(f"t = '{TOKEN}'")
    minified = _blob(("var a=1;" * 400 + "\n") * 3)
    folded = _blob(f"\u212a = 1\nt = '{TOKEN}'\n")
    container = _blob('{"auths": {}}\nx = 1\n')
    notebook = _blob('{"cells": []}\n{}\n')
    plain = _blob(f"x = 1\nt = '{TOKEN}'\ny = 2\n")
    batch = [
        ("u", "a.txt", utf16),
        ("s", "a.py", single),
        ("m", "a.js", minified),
        ("f", "a.py", folded),
        ("c", "a.json", container),
        ("n", "a.ipynb", notebook),
        ("p", "a.py", plain),
    ]
    results = memo.scan(batch)
    assert results[:6] == [None] * 6
    assert results[6] is not None and [f.rule_id for f in results[6].findings] == ["github.pat-classic"]
    assert plain.encoding == UTF8


# --- whole repositories: the audit with the memo and without it --------------------------------------


def _both(repo: Path, backend: str) -> tuple[Report, Report]:
    with_memo = audit_history(CompiledRuleset(load_rules(), backend), Policy(), (), 2, repo).report
    ruleset = CompiledRuleset(load_rules(), backend)
    whole = audit_history(ruleset, Policy(), (), 2, repo, line_memo=False).report
    return with_memo, whole


def _same(repo: Path, backend: str) -> Report:
    with_memo, whole = _both(repo, backend)
    assert with_memo.findings == whole.findings
    assert with_memo.groups == whole.groups
    assert with_memo.notices == whole.notices
    assert with_memo.stats == whole.stats
    return with_memo


def _stress_history(repo: Path) -> None:
    """The same lines in many blobs; a secret moved between files, removed and re-added, only in a
    merge; the halves of a pair on different lines; key blocks; a lockfile; first and last lines."""
    body = "\n".join(f"value_{n} = {n}" for n in range(80))
    for n in range(12):  # many versions of one file: each line seen many times, in many places
        commit_file(repo, "app.py", f"# v{n}\n{body}\nVERSION = {n}\n")
    commit_file(repo, "app.py", f"GITHUB_TOKEN = '{TOKEN}'\n{body}\n")  # the first line
    commit_file(repo, "conf.py", f"{body}\nGITHUB_TOKEN = '{TOKEN}'")  # moved; the last line
    commit_file(repo, "app.py", f"{body}\n")
    commit_file(repo, "conf.py", f"{body}\nGITHUB_TOKEN = '{TOKEN}'\n{body}\n")  # in the middle
    commit_file(repo, "conf.py", body)
    commit_file(repo, "conf.py", f"{body}\nGITHUB_TOKEN = '{TOKEN}'\n")  # re-added
    commit_file(repo, "keys/id_rsa", "\n".join(PEM) + "\n")
    commit_file(repo, "pair.py", "\n".join(_example("aws.secret-access-key-pair", 1)) + "\n")
    commit_file(repo, "env.py", "x = 1\n" + "\n".join(BLOCKS[9]) + "\ny = 2\n")  # across lines
    commit_file(repo, "package-lock.json", '{\n  "password": "r_EnF7Q9bPYd%6CP!0#M",\n  "x": 1\n}\n')
    commit_file(repo, "Dockerfile", "\n".join(_example("leak.dockerfile-env-arg")) + "\n")
    commit_file(repo, "crlf.py", f"x = 1\r\nGITHUB_TOKEN = '{TOKEN}'\r\ny = 2\r\n")
    git(repo, "checkout", "-q", "-b", "side")
    commit_file(repo, "side.py", "a = 1\nb = 2\n")
    git(repo, "checkout", "-q", "main")
    commit_file(repo, "main.py", "c = 3\nd = 4\n")
    git(repo, "merge", "-q", "--no-commit", "side")
    (repo / "merged.py").write_text('x = 1\nDB_PASSWORD = "r_EnF7Q9bPYd%6CP!0#M"\ny = 2\n')
    git(repo, "add", "merged.py")
    git(repo, "commit", "-q", "-m", "merge")  # the secret only in the merge


@pytest.mark.parametrize("backend", BACKENDS)
def test_audit_with_the_memo_reports_what_the_audit_without_it_reports(repo: Path, backend: str) -> None:
    _stress_history(repo)
    report = _same(repo, backend)
    rules = {group.rule_id for group in report.groups}
    assert {"github.pat-classic", "private-key.rsa", "generic.password-assignment"} <= rules
    groups = {(g.rule_id, g.first.path) for g in report.groups}
    assert ("github.pat-classic", "app.py") in groups


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_line_judged_by_its_path_is_remembered_per_kind_of_path(repo: Path, backend: str) -> None:
    """Context scoring reads the file's path (its kind, a test or docs directory): the same line in
    application code and in a test gives different findings, and the memo keeps them apart."""
    for n, path in enumerate(("app/settings.py", "tests/test_app.py", "app/other.py", "config/app.yml")):
        commit_file(repo, path, f"x = {n}\n{JUDGED_BY_PATH}\ny = 2\n")  # one blob each
    report = _same(repo, backend)
    assert {f.location.path for f in report.findings} == {"tests/test_app.py", "config/app.yml"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_many_blobs_in_parallel(repo: Path, backend: str) -> None:
    """More blobs than one batch, so the pool starts while the walk goes on."""
    for n in range(90):
        text = "\n".join(f"line_{m} = {m * n}" for m in range(20))
        secret = f"\nGITHUB_TOKEN = '{TOKEN}'\n" if n % 30 == 7 else "\n"
        commit_file(repo, f"f{n % 7}.py", text + secret)
    report = _same(repo, backend)
    assert report.stats.files >= 90 and report.groups


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "pattern",
    [
        r"^(?P<secret>acme_[a-z0-9]{20})",  # the text's first line only
        r"(?P<secret>acme_[a-z0-9]{20})$",  # its last line, before a final line break or not
        r"\A(?P<secret>acme_[a-z0-9]{20})",
        r"(?P<secret>acme_[a-z0-9]{20})\Z",
        r"(?m)^(?P<secret>acme_[a-z0-9]{20})$",
        r"(?P<secret>acme_[a-z0-9]{20})(?:$|\n)",
        r"(?P<secret>acme_[a-z0-9]{20})(?!$)",  # anywhere but the last line
        r"(?<!^)(?<!\A)x?(?P<secret>acme_[a-z0-9]{20})",
    ],
)
def test_first_and_last_lines_are_scanned_at_their_place(backend: str, pattern: str) -> None:
    from tests.rule_data import model_rule

    rule = model_rule(pattern=pattern, max_width=0, confidence=_RULES["github.pat-classic"].confidence)
    step = FileStep(CompiledRuleset((rule,), backend), Policy())
    step.prepare()
    memo = LineMemo(step)
    token = "acme_q8w7e6r5t4y3u2i1o0pz"
    batch = []
    for where in ((0,), (1,), (2,), (0, 1, 2), (1, 2), (0, 2)):  # one line held in several places
        lines = ["x = 1", "y = 2", "z = 3"]
        for n in where:
            lines[n] = token
        for ending in ("", "\n"):
            batch.append((f"{where}{len(ending)}", "a.py", _blob("\n".join(lines) + ending)))
    for _ in range(2):
        expected = [_full(step, text, path, blob) for blob, path, text in batch]
        assert _split(memo, step, batch) == expected
        assert all(found is not None for found in memo.scan(batch))
    assert any(findings for findings, _notices, _stats in expected)


def test_where_a_secret_was_first_introduced_does_not_depend_on_the_workers(repo: Path) -> None:
    """One commit introduces the same secret in many files, spread over the workers' lanes: the first
    introduction is the first of those paths, whatever order the workers return their results in."""
    for n in range(70):  # more blobs than one batch, so both lanes fill
        (repo / f"f{n:02}.py").write_text(f"x = {n}\n")
    (repo / "0.py").write_text("x = 0\n")  # walked first: a.py goes to the second lane, b.py to the first
    for name in ("z.py", "b.py", "a.py"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(f"# {name}\nGITHUB_TOKEN = '{TOKEN}'\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "many")
    reports = [
        audit_history(
            CompiledRuleset(load_rules(), BACKENDS[0]), Policy(), (), jobs, repo, line_memo=memo
        ).report
        for jobs, memo in ((1, True), (2, True), (2, False))
    ]
    (group,) = [g for g in reports[0].groups if g.rule_id == "github.pat-classic"]
    assert group.first.path == "a.py" and group.paths == ("a.py", "b.py", "z.py")
    assert all(report.groups == reports[0].groups for report in reports)
    assert all(report.findings == reports[0].findings for report in reports)
