"""Word lists of context scoring, written as text."""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`: word lists stay readable as data."""
    return frozenset(text.split())
