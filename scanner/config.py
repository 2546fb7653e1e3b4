"""`.spillguard.yml` (or `--config FILE`) -> a frozen Policy. Command-line options override the file."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import regex

from scanner.errors import ConfigError
from scanner.model import Allowlist, Policy
from scanner.yamlio import load_yaml, read_text

CONFIG_NAME = ".spillguard.yml"
KNOWN_KEYS = frozenset({"rules", "disable", "allowlist", "max_file_size"})
_SIZE = regex.compile(r"^\s*(\d+)\s*([KMG]i?B?|B)?\s*$", regex.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
MAX_SIZE = 1024**4  # 1 TiB: beyond, a size is a typo (and overflows the read)


def parse_size(value: object, where: str) -> int:
    """`10485760`, `10MiB`, `512K`, `1G` -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SIZE:
        return value
    if isinstance(value, str):
        found = _SIZE.match(value)
        if found:
            unit = (found.group(2) or "").upper()[:1]
            size = int(found.group(1)) * _UNITS[unit]
            if 0 < size <= MAX_SIZE:
                return size
    raise ConfigError(f"{where}: max_file_size must be a positive size up to 1TiB like 10MiB, not {value!r}")


def find_config(start: Path) -> Path | None:
    """`.spillguard.yml` in `start` or the nearest parent that is a git work tree root. Whatever is at
    that name is returned, so that a directory, a FIFO or a broken link there is an error, not a config
    silently ignored."""
    current = start.resolve()
    for directory in (current, *current.parents):
        candidate = directory / CONFIG_NAME
        if os.path.lexists(candidate):
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def _list(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def _allowlist(data: dict[str, Any], where: str) -> Allowlist:
    raw = data.get("allowlist", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: `allowlist` must be a mapping with paths, regexes, stopwords")
    unknown = sorted(set(map(str, raw)) - {"paths", "regexes", "stopwords"})
    if unknown:
        raise ConfigError(f"{where}: unknown key in allowlist: {', '.join(unknown)}")
    regexes = _list(raw, "regexes", f"{where}: allowlist")
    for pattern in regexes:
        try:
            regex.compile(pattern)
        except regex.error as exc:
            raise ConfigError(f"{where}: allowlist regex {pattern!r} is invalid: {exc}") from None
    return Allowlist(
        regexes=regexes,
        stopwords=_list(raw, "stopwords", f"{where}: allowlist"),
        paths=_list(raw, "paths", f"{where}: allowlist"),
    )


def load_config(path: Path) -> Policy:
    where = str(path)
    data = load_yaml(read_text(path, ConfigError), where, ConfigError)
    if data is None:
        return Policy()
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of settings at the top level")
    unknown = sorted(set(map(str, data)) - KNOWN_KEYS)
    if unknown:
        known = ", ".join(sorted(KNOWN_KEYS))
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {known}")
    base = path.parent
    rule_paths = _list(data, "rules", where)
    if any("\0" in p for p in rule_paths):
        raise ConfigError(f"{where}: `rules` must list file paths; one holds a NUL character")
    rule_files = tuple(str((base / p).resolve()) for p in rule_paths)
    policy = Policy(
        allowlist=_allowlist(data, where),
        disabled_rules=_list(data, "disable", where),
        extra_rule_files=rule_files,
    )
    if "max_file_size" in data:
        policy = replace(policy, max_file_size=parse_size(data["max_file_size"], where))
    return policy
