"""What a history-audit worker keeps of the last version of each path (scanner.modes.history_versions):
where two versions differ, found at C speed, and a store bounded in bytes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.modes.history_versions import Version, Versions, common_prefix, common_suffix, zones

TEXTS = st.lists(st.sampled_from([b"a", b"b", b"\n", b"xy", b"\xc3\xa9"]), max_size=30).map(b"".join)


def _naive_prefix(a: bytes, b: bytes) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


@given(TEXTS, TEXTS)
def test_common_ends_are_the_longest(a: bytes, b: bytes) -> None:
    prefix = common_prefix(a, b)
    assert prefix == _naive_prefix(a, b)
    limit = min(len(a), len(b)) - prefix
    assert common_suffix(a, b, limit) == min(limit, _naive_prefix(a[::-1], b[::-1]))


@given(TEXTS, TEXTS)
def test_lines_outside_the_zone_are_the_old_versions(old: bytes, new: bytes) -> None:
    zone = zones(old, new)
    assert 0 <= zone.start <= zone.end <= len(new) and zone.shift == len(new) - len(old)
    # both ends of the zone are line starts (or the ends of the text)
    assert zone.start == 0 or new[zone.start - 1 : zone.start] == b"\n"
    assert zone.end == len(new) or new[zone.end - 1 : zone.end] == b"\n"
    # what lies before it is the old version's, line breaks included; what lies after it too, shifted
    assert new[: zone.start] == old[: zone.start]
    assert new[zone.end :] == old[zone.end - zone.shift :]
    assert zone.end - zone.shift >= zone.start or zone.end == len(new)
    # the last line of the new text is in the zone unless the unchanged end holds it
    last = new.rfind(b"\n", 0, max(0, len(new) - 1)) + 1
    assert zone.end < len(new) or zone.start <= last or zone.start == len(new) == 0


def test_the_store_keeps_the_last_version_and_drops_the_least_recent_past_its_bound() -> None:
    versions = Versions(limit=100)
    for name in ("a", "b", "c"):
        versions.put(name, Version(name.encode() * 25, (), (), None))
    versions.put("a", Version(b"A" * 25, (), (), None))  # a's newer version: a is now the most recent
    versions.put("d", Version(b"d" * 25, (), (), None))  # 100 bytes: all kept
    assert all(versions.get(name) is not None for name in "abcd")
    versions.put("e", Version(b"e" * 25, (), (), None))  # over the bound: b, the least recent, goes
    assert versions.get("b") is None
    kept = versions.get("a")
    assert kept is not None and kept.data == b"A" * 25
    assert all(versions.get(name) is not None for name in "cde")
    versions.put("c", None)  # nothing usable known of c's last version
    assert versions.get("c") is None
    versions.put("f", Version(b"f" * 26, (), (), None))  # over a quarter of the bound: not kept
    assert versions.get("f") is None
