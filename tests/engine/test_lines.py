"""The engine's side of the history audit's line memo: scanning many lines at once as if each were
alone at its place (scanner.engine.lines), and the rules that are not line-local over regions around
their hits (scanner.engine.regions), each equal to what a scan of the whole text finds."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.engine.lines import (
    FIRST,
    LAST,
    LAST_BREAK,
    MIDDLE,
    LinePlan,
    padding,
    path_class,
    restricted,
    scan_lines,
)
from scanner.engine.noise import minified
from scanner.engine.region_reuse import Earlier, RegionsKept
from scanner.engine.regions import RegionMemo, region_matches, whole_rule_matches
from scanner.engine.scan import find_matches
from scanner.model import Allowlist, Companion, Match, Policy
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules
from tests.rule_data import model_rule
from tests.tokens import github_token

TOKEN = github_token()
PAIR_ID = "AKIA2ZPT7E6NJE6AV525"
PAIR_SECRET = "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"


def _plan(*extra: Any) -> LinePlan:
    ruleset = CompiledRuleset((*load_rules(), *extra), "pyahocorasick")
    ruleset.prepare()
    return LinePlan(ruleset)


PLAN = _plan()


def _ids(matches: list[Match] | tuple[Match, ...]) -> list[tuple[str, int, int]]:
    return sorted((m.rule_id, m.secret_span.start, m.secret_span.end) for m in matches)


def test_padding_keeps_a_text_from_passing_for_minified() -> None:
    assert padding(4999, 0) == 0
    assert padding(5000, 4) == 0
    for length, breaks in ((5000, 0), (12345, 3), (100_000, 10)):
        added = padding(length, breaks)
        assert added > 0 and not minified("x" * (length - breaks) + "\n" * (breaks + added))
        assert minified("x" * (length - breaks) + "\n" * (breaks + added - 1))


def test_path_class_holds_what_rules_decide_from_a_path() -> None:
    scoped = model_rule(id="acme.scoped", paths=(r"(?:^|/)Dockerfile$",))
    skipped = model_rule(id="acme.skipped", keywords=("zz_",), allowlist=Allowlist(paths=("docs/*",)))
    plan = _plan(scoped, skipped)
    docker, docs, plain, lock = (
        path_class(plan.ruleset, path) for path in ("Dockerfile", "docs/a.md", "a.py", "package-lock.json")
    )
    assert len({docker, docs, plain, lock}) == 4
    assert lock[0] and not plain[0]  # only trusted rules report in lockfiles
    assert docker[1] and not plain[1] and docs[2] and not plain[2]


def test_scan_lines_alone_at_each_place() -> None:
    lines = ["x = 1", f"t = '{TOKEN}'", '{"auths": {}}', "y = os.environ.get('A')", "z = 2"]
    found = scan_lines(lines, PLAN, Policy(), "a.py")
    assert set(found) == {1, 2, 3}  # only lines with a keyword hit
    assert [m.rule_id for m in found[1].matches] == ["github.pat-classic"]
    assert found[1].matches[0].secret_span.start == 5  # from the line's start
    assert found[2].container and not found[1].container
    assert found[3].whole_hits and not found[3].matches  # a hit of a rule that reads the whole text
    for place in (FIRST, LAST, LAST_BREAK, MIDDLE):
        (alone,) = scan_lines([lines[1]], PLAN, Policy(), "a.py", place).values()
        assert _ids(alone.matches) == _ids(found[1].matches)


def test_a_line_that_makes_a_rule_time_out_is_flagged() -> None:
    redos = model_rule(
        id="user.redos", keywords=("aaaa",), pattern=r"(?P<secret>(?:a|a){1,60}(?:a|a){1,60}b)", max_width=121
    )
    plan = _plan(redos)
    slow = "a" * 60 + "c"
    found = scan_lines(["x = 1", slow, f"t = '{TOKEN}'"], plan, Policy(regex_timeout=0.05), "a.py")
    assert found[1].timed_out and not found[2].timed_out  # each line alone, once one timed out
    assert [m.rule_id for m in found[2].matches] == ["github.pat-classic"]


def _whole(text: str, plan: LinePlan, policy: Policy, path: str = "a.py") -> list[tuple[str, int, int]]:
    """What the rules that are not line-local find in the whole text."""
    found: list[Match] = []
    for position, is_local in enumerate(plan.local):
        if not is_local and plan.ruleset.rules[position].files is None:
            index = restricted(plan.ruleset, position)
            found.extend(find_matches(text, index, policy, path, decode=False)[0])
    return _ids(found)


def _by_regions(
    text: str,
    plan: LinePlan,
    memo: RegionMemo,
    policy: Policy,
    hits: list[tuple[int, int]] | None = None,
    earlier: Earlier | None = None,
    kept: RegionsKept | None = None,
) -> list[tuple[str, int, int]]:
    """What the regions give (with `hits`: those given, else every hit of a whole-text rule's keyword),
    as (rule, secret start, secret end)."""
    data = text.encode()
    if hits is None:
        hits = [(s, k) for s, k in plan.ruleset.prefilter.hits(text) if k in plan.whole]
    found = region_matches(data, hits, plan, policy, "a.py", memo, earlier, kept)
    assert not found.timed_out
    matches = [
        Match(m.rule_id, m.span, type(m.secret_span)(m.secret_span.start + s, m.secret_span.end + s), "", 0.0)
        for s, held in found.placed
        for m in held
    ]
    for position, rule_hits in found.whole.items():
        matches.extend(whole_rule_matches(text, position, rule_hits, plan, policy, "a.py")[0])
    return _ids(matches)


@pytest.mark.parametrize(
    "text",
    [
        f"{PAIR_ID}\n{PAIR_SECRET}\n",  # the companion's lines reach past both ends of the text
        f"a\nb\nc\nd\ne\nid = {PAIR_ID}\nf\nsecret = {PAIR_SECRET}\ng\nh\ni\nj\nk\n",
        "\n".join(["x = 1"] * 400 + [f"id = {PAIR_ID}", f"key = {PAIR_SECRET}"] + ["y = 2"] * 400),
        "\n".join([f"id = {PAIR_ID}"] + ["y = 2"] * 400 + [f"key = {PAIR_SECRET}", f"id = {PAIR_ID}"]),
        'X = os.environ.get(\n    "DB_PASSWORD",\n    "Lrx6HLjxzsiFBJpRNIovd")\n',
        "FROM node:20\nENV NPM_TOKEN=EeaqMVxG1HRar53vMWZ7jep3mveB\nRUN npm ci\n" * 3,
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n",
    ],
)
def test_regions_find_what_the_whole_text_gives(text: str) -> None:
    memo = RegionMemo()
    policy = Policy()
    expected = _whole(text, PLAN, policy)
    assert _by_regions(text, PLAN, memo, policy) == expected
    assert _by_regions(text, PLAN, memo, policy) == expected  # the second time from the memo
    shifted_text = "q = 0\n" * 7 + text
    lines = 7 * len("q = 0\n")
    moved = [(rule, start + lines, end + lines) for rule, start, end in expected]
    assert _by_regions(shifted_text, PLAN, memo, policy) == moved


def test_a_rule_whose_lookbehind_has_no_bound_runs_on_the_whole_text() -> None:
    rule = model_rule(
        id="user.behind",
        keywords=("acme_",),
        pattern=r"(?<=\w+=)[ \n]?(?P<secret>acme_[a-z0-9]{20})",  # may start with a break
        max_width=26,
    )
    plan = _plan(rule)
    text = "x = 1\nk=acme_q8w7e6r5t4y3u2i1o0pz\ny = 2\n"
    assert not plan.local[plan.position["user.behind"]]
    assert ("user.behind", 8, 33) in _by_regions(text, plan, RegionMemo(), Policy())
    assert _by_regions(text, plan, RegionMemo(), Policy()) == _whole(text, plan, Policy())


def test_a_region_that_times_out_says_so() -> None:
    redos = model_rule(
        id="user.redos", keywords=("aaaa",), pattern=r"(?P<secret>(?:a|a){1,60}(?:a|a){1,60}b)", max_width=121
    )
    plan = _plan(redos)
    text = "x = 1\n" + "a" * 60 + "c\ny = 2\n"
    hits = [(s, k) for s, k in plan.ruleset.prefilter.hits(text) if k in plan.whole]
    kept = RegionsKept()  # what a later version would take over: the rule's hits, none of its clusters
    found = region_matches(
        text.encode(), hits, plan, Policy(regex_timeout=0.05), "a.py", RegionMemo(), None, kept
    )
    assert found.timed_out == ["user.redos"]
    position = plan.position["user.redos"]
    assert not kept.complete and kept.rule_hits[position] and position not in kept.rule_clusters


def test_a_pair_on_one_line_is_line_local() -> None:
    rule = model_rule(id="user.pair", companion=Companion(r"ACMEID[0-9]{4}", 0))
    plan = _plan(rule)
    assert plan.local[plan.position["user.pair"]]


def test_regions_skip_rules_not_for_the_path() -> None:
    """A whole-text rule allowlisted at a path, or scoped to other files, is not run there (a full scan
    skips it there too), nor are its hits gathered; elsewhere it runs."""
    rule = model_rule(
        id="user.pair-near",
        keywords=("acme_",),
        pattern=r"(?P<secret>acme_[a-z0-9]{20})",
        companion=Companion(r"ACMEID[0-9]{4}", 2),
        allowlist=Allowlist(paths=("docs/*",)),
    )
    scoped = model_rule(
        id="user.scoped-near",
        keywords=("acme_",),
        pattern=r"(?P<secret>acme_[a-z0-9]{20})",
        companion=Companion(r"ACMEID[0-9]{4}", 2),
        paths=(r"(?:^|/)Dockerfile$",),
    )
    plan = _plan(rule, scoped)
    text = "ACMEID1234\nx = 1\nk = acme_q8w7e6r5t4y3u2i1o0pz\n"
    hits = [(s, k) for s, k in plan.ruleset.prefilter.hits(text) if k in plan.whole]
    policy = Policy()
    found = {
        path: {
            m.rule_id
            for _, held in region_matches(text.encode(), hits, plan, policy, path, RegionMemo()).placed
            for m in held
        }
        for path in ("docs/a.md", "src/a.py", "Dockerfile")
    }
    assert found == {
        "docs/a.md": set(),
        "src/a.py": {"user.pair-near"},
        "Dockerfile": {"user.pair-near", "user.scoped-near"},
    }
    for path, ids in found.items():
        assert ids == {rule_id for rule_id, _, _ in _whole(text, plan, policy, path)}
