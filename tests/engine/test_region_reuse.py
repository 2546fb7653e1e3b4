"""What a later version of a text takes over from the version before it for the rules that are not
line-local (scanner.engine.region_reuse through scanner.engine.regions): each version's regions give
what a scan of its whole text gives, whatever part of it changed."""

from __future__ import annotations

from scanner.engine.region_reuse import Earlier, RegionsKept
from scanner.engine.regions import RegionMemo
from scanner.model import Policy
from scanner.modes.history_versions import zones
from tests.engine.test_lines import PAIR_ID, PAIR_SECRET, _by_regions, _plan, _whole
from tests.rule_data import model_rule

BEHIND = model_rule(
    id="user.behind",
    keywords=("acme_",),
    pattern=r"(?<=\w+=)[ \n]?(?P<secret>acme_[a-z0-9]{20})",  # a lookbehind with no bound: whole text
    max_width=26,
)
PLAN = _plan(BEHIND)
FILLER = ["x = 1"] * 200
PAIR = [f"id = {PAIR_ID}", f"key = {PAIR_SECRET}"]
QUIET_ENV = ['v = os.environ.get("HOME")']  # a cluster that holds nothing
FALLBACK = ['X = os.environ.get("DB_PASSWORD", "Lrx6HLjxzsiFBJpRNIovd")']
BEHIND_LINE = ["k=acme_q8w7e6r5t4y3u2i1o0pz"]


def _found(
    text: str, hits: list[tuple[int, int]], earlier: Earlier | None, kept: RegionsKept | None
) -> list[tuple[str, int, int]]:
    return _by_regions(text, PLAN, RegionMemo(), Policy(), hits, earlier, kept)


def _hits(text: str) -> list[tuple[int, int]]:
    return [(s, k) for s, k in PLAN.ruleset.prefilter.hits(text) if k in PLAN.whole]


def _chain(versions: list[list[str]]) -> list[str]:
    """Each version's regions, given the version before it, against a scan of its whole text."""
    texts = ["\n".join(lines) + "\n" for lines in versions]
    previous: tuple[str, RegionsKept] | None = None
    for text in texts:
        expected = _whole(text, PLAN, Policy())
        kept = RegionsKept()
        hits = _hits(text)
        if previous is None:
            assert _found(text, hits, None, kept) == expected
        else:
            zone = zones(previous[0].encode(), text.encode())
            earlier = Earlier(previous[1], zone.start, zone.end, zone.shift)
            changed = [hit for hit in hits if zone.start <= hit[0] < zone.end]
            assert _found(text, changed, earlier, kept) == expected
            assert _found(text, changed, earlier, None) == expected  # nothing kept: the same found
        assert kept.complete
        previous = (text, kept)
    return texts


def test_each_version_gives_what_its_whole_text_gives() -> None:
    texts = _chain(
        [
            [*FILLER, *QUIET_ENV, *FILLER, *FILLER, *PAIR, *FILLER, *BEHIND_LINE, *FILLER],
            [
                "# a line added at the top",
                *FILLER,
                *QUIET_ENV,
                *FILLER,
                *FILLER,
                *PAIR,
                *FILLER,
                *BEHIND_LINE,
            ],
            # a hit of the same rule far below a cluster that holds nothing: that one is held over
            ["# a line added at the top", *FILLER, *QUIET_ENV, *FILLER, *FALLBACK, *FILLER, *PAIR, *FILLER],
            # a line right above the pair: its cluster's region reaches into the change
            ["# a line added at the top", *FILLER, *QUIET_ENV, *FILLER, *FALLBACK, *FILLER, "y = 3", *PAIR],
            [
                "# a line added at the top",
                *FILLER,
                *QUIET_ENV,
                *FILLER,
                *FALLBACK,
                *FILLER,
                *PAIR[:1],
                *FILLER,
            ],
            [
                "# top",
                *FILLER,
                *QUIET_ENV,
                *FILLER,
                *FALLBACK,
                *FILLER,
                *PAIR,
                *FILLER,
                *BEHIND_LINE,
                "# end",
            ],
        ]
    )
    assert any(rule == "aws.secret-access-key-pair" for rule, _, _ in _whole(texts[0], PLAN, Policy()))
    # a hit of a rule added far above its clusters, which hold a match and nothing: both held over
    _chain(
        [
            [*FILLER, *FILLER, *FALLBACK, *FILLER, *QUIET_ENV, *FILLER],
            [*FILLER, *QUIET_ENV, *FILLER, *FALLBACK, *FILLER, *QUIET_ENV, *FILLER],
        ]
    )


def test_what_cannot_be_taken_over_is_not() -> None:
    kept = RegionsKept(rule_hits={3: [(10, 0), (500, 0)]}, rule_clusters={3: {(10, 14): (0, 40, ())}})
    earlier = Earlier(kept, start=200, end=300, shift=0)
    assert earlier.held(4, 10, 14) is None  # no clusters of that rule (one of them timed out)
    assert earlier.taken_over(4, 20) is None  # nothing of that rule kept
    # a hit after the change whose cluster was not kept: the rule's clusters are formed again
    kept.rule_clusters[3][(500, 504)] = (480, 520, ())
    assert earlier.taken_over(3, 20) is not None
    assert Earlier(kept, start=30, end=300, shift=0).taken_over(3, 20) is None  # too near the change
    assert earlier.around(3, [(250, 0)]) == [(10, 0), (250, 0), (500, 0)]
