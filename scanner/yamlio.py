"""Safe YAML reading shared by the rule and config loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it

MAX_YAML_BYTES = 4 * 1024 * 1024


def load_yaml(text: str, name: str, error: type[Exception]) -> Any:
    """Parses YAML safely; raises `error` with a one-line message naming `name` and the position."""
    if len(text) > MAX_YAML_BYTES:
        raise error(f"{name}: file is larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB")
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"{name}: not valid YAML{where}: {exc.problem}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise error(f"{name}: not valid YAML: {type(exc).__name__}") from None


def read_text(path: Path, error: type[Exception]) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, expected a file") from None
    except PermissionError:
        raise error(f"{path}: permission denied") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
