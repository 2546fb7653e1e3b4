"""Safe YAML reading shared by the rule and config loaders: bounded in bytes read, in values built
(an alias bomb expands to more values than any rule or config file holds), and in nesting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.bounded import NotRegularFile, read_bounded

MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_YAML_VALUES = 250_000  # the largest built-in rule file holds about 500
MAX_YAML_DEPTH = 100  # libyaml builds nested values recursively: 100,000 `[` crash the process

# PyYAML is imported by the functions that parse: most runs read no YAML at all (built-in rules come
# from the user cache, and most repositories have no config file).


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it


def _too_deep(text: str) -> bool:
    """Checks nesting on the event stream (built without recursion) before any value is built."""
    import yaml

    opening = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    closing = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    depth = 0
    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, opening):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                return True
        elif isinstance(event, closing):
            depth -= 1
    return False


def _too_many_values(data: Any) -> bool:
    """Counts values as a consumer walks them, aliases expanded, and stops at the limit: a "billion
    laughs" document is a few lines of text but would take hours to walk."""
    count, stack = 0, [data]
    while stack:
        value = stack.pop()
        count += 1
        if count > MAX_YAML_VALUES:
            return True
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def load_yaml(text: str, name: str, error: type[Exception]) -> Any:
    """Parses YAML safely; raises `error` with a one-line message naming `name` and the position."""
    import yaml

    if len(text) > MAX_YAML_BYTES:
        raise error(f"{name}: file is larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB")
    try:
        if _too_deep(text):
            raise error(f"{name}: values nested more than {MAX_YAML_DEPTH} levels deep")
        data = yaml.load(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"{name}: not valid YAML{where}: {exc.problem}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise error(f"{name}: not valid YAML: {type(exc).__name__}") from None
    if _too_many_values(data):
        raise error(
            f"{name}: more than {MAX_YAML_VALUES} values once aliases are expanded "
            "(an alias bomb, or far too large)"
        )
    return data


def read_text(path: Path, error: type[Exception]) -> str:
    try:
        data = read_bounded(path, MAX_YAML_BYTES + 1)
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, expected a file") from None
    except PermissionError:
        raise error(f"{path}: permission denied") from None
    except NotRegularFile as exc:
        raise error(f"{path}: {exc}") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_YAML_BYTES:
        raise error(f"{path}: file is larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (invalid byte at offset {exc.start})") from None
