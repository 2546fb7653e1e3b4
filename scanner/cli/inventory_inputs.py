"""What `spillguard inventory` reads besides the repository: the report format asked for (or told by
the output file's suffix), the baseline with the review statuses, and the previous inventory to compare
with, read and checked before anything is scanned."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import GitError, InputError
from scanner.inventory_model import Previous

if TYPE_CHECKING:
    from scanner.baseline.format import Baseline

SUFFIXES = {
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}
PREVIOUS_LIMIT = 256 * 1024 * 1024


def output_format(fmt: str | None, output: str | None) -> str:
    """--format, else the output file's suffix, else Markdown."""
    if fmt is not None:
        return fmt
    suffix = Path(output).suffix.lower() if output and output != "-" else ""
    return SUFFIXES.get(suffix, "markdown")


def baseline_for(path: str | None, no_baseline: bool) -> Baseline | None:
    """-b FILE, else `.spillguard-baseline.json` at the work tree root when there is one."""
    from scanner.baseline.apply import load_baseline

    if no_baseline:
        return None
    if path is not None:
        return load_baseline(path)
    from scanner.baseline.format import DEFAULT_PATH
    from scanner.sources.git import open_repo, work_tree

    try:
        root = work_tree(open_repo(Path.cwd()))
    except GitError:
        root = None
    default = (root or Path.cwd()) / DEFAULT_PATH
    return load_baseline(str(default)) if default.is_file() else None


def _read(path: str) -> str:
    from scanner.bounded import NotRegularFile, read_bounded

    try:
        data = read_bounded(path, PREVIOUS_LIMIT + 1)
    except NotRegularFile as exc:
        raise InputError(f"{path}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the previous inventory ({exc.strerror})") from None
    if len(data) > PREVIOUS_LIMIT:
        raise InputError(f"{path}: larger than 256 MiB; not an inventory")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not UTF-8 text (expected an inventory written with --format json)"
        ) from None


def previous_inventory(path: str | None) -> tuple[str, str, tuple[Previous, ...]] | None:
    """The date, key id and credentials of the inventory given with --since-inventory, read before
    anything is scanned, so a wrong file fails at once."""
    if path is None:
        return None
    from scanner.reporters.inventory_json import parse_previous

    return parse_previous(_read(path), path)
