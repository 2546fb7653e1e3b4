"""Readers of a rule file's fields that collect problems instead of stopping at the first one: the
shared vocabulary of scanner.ruleset.schema and the modules that parse one optional field each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import regex

T = TypeVar("T")


class Problems:
    """Accumulates `field: message` problems for one rule."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(f"field '{field}': {message}")


def str_value(raw: dict[str, Any], key: str, problems: Problems) -> str:
    """A required, non-empty string field."""
    value = raw.get(key)
    if value is None:
        problems.add(key, "is missing")
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.add(key, "must be a non-empty string")
        return ""
    return value


def str_list(raw: Any, key: str, problems: Problems, required: bool = False) -> tuple[str, ...]:
    if raw is None:
        if required:
            problems.add(key, "is missing")
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) and v for v in raw):
        problems.add(key, "must be a list of non-empty strings")
        return ()
    if required and not raw:
        problems.add(key, "must not be empty")
    return tuple(raw)


def enum_value(raw: dict[str, Any], key: str, kind: Callable[[str], T], problems: Problems) -> T | None:
    value = raw.get(key)
    try:
        return kind(value)  # type: ignore[arg-type]
    except ValueError:
        choices = ", ".join(m.value for m in kind)  # type: ignore[attr-defined]
        problems.add(key, f"must be one of {choices}, not {value!r}")
        return None


def flag(raw: dict[str, Any], key: str, problems: Problems) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        problems.add(key, "must be true or false")
        return False
    return value


def regexes(raw: Any, field: str, problems: Problems, required: bool = False) -> tuple[str, ...]:
    values = str_list(raw, field, problems, required)
    for value in values:
        try:
            regex.compile(value)
        except regex.error as exc:
            problems.add(field, f"{value!r} is not a valid regex: {exc}")
    return values
