"""Files under the paths given to `spillguard scan`: honours .gitignore inside a git work tree, never
descends into .git, never follows symlinks (so nothing outside the tree is read through a link)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import InputError
from scanner.sources.paths import display_path


@dataclass(frozen=True)
class FileRef:
    path: str  # POSIX path shown to the user: relative to the work tree root, or to the cwd
    fs_path: str  # what to open


def find_worktree(start: Path) -> Path | None:
    """The nearest enclosing directory holding `.git` (a directory or a gitfile), without loading git."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def _ignore_checker(root: Path | None) -> Callable[[str], bool]:
    if root is None:
        return lambda _relative: False
    import pygit2  # imported only when scanning inside a work tree

    try:
        repo = pygit2.Repository(str(root))
    except pygit2.GitError:
        return lambda _relative: False

    def ignored(relative: str) -> bool:
        try:
            return bool(repo.path_is_ignored(relative))
        except UnicodeEncodeError:  # an undecodable name git cannot be asked about: scan it
            return False

    return ignored


def _display(path: Path, root: Path | None, cwd: Path) -> str:
    for base in (root, cwd):
        if base is not None:
            try:
                return display_path(path.relative_to(base).as_posix())
            except ValueError:
                continue
    return display_path(path.as_posix())


def iter_files(paths: tuple[str, ...], cwd: Path) -> Iterator[FileRef]:
    """Every regular file to scan, once (a path named twice, or inside a directory also named, is not
    scanned again), in sorted order per directory. A named path that does not exist is an error; a
    named file is scanned even if ignored (the user asked for it)."""
    seen: set[str] = set()
    for ref in _iter_files(paths, cwd):
        if ref.fs_path not in seen:
            seen.add(ref.fs_path)
            yield ref


def _iter_files(paths: tuple[str, ...], cwd: Path) -> Iterator[FileRef]:
    for given in paths:
        path = Path(os.path.abspath(cwd / given))
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            raise InputError(f"{given}: no such file or directory") from None
        except OSError as exc:
            raise InputError(f"{given}: cannot be read ({exc.strerror})") from None
        start = path if stat.S_ISDIR(mode) else path.parent
        root = find_worktree(start)
        if not stat.S_ISDIR(mode):
            yield FileRef(_display(path, root, cwd), str(path))
            continue
        ignored = _ignore_checker(root)
        yield from _walk(path, root, cwd, ignored)


def _walk(top: Path, root: Path | None, cwd: Path, ignored: Callable[[str], bool]) -> Iterator[FileRef]:
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            yield FileRef(_display(directory, root, cwd), str(directory))  # reported unreadable
            continue
        subdirs = []
        for entry in entries:
            if entry.name == ".git":
                continue
            entry_path = Path(entry.path)
            relative = entry_path.relative_to(root).as_posix() if root else ""
            if entry.is_dir(follow_symlinks=False):
                if not ignored(relative + "/"):
                    subdirs.append(entry_path)
            elif entry.is_symlink() or ignored(relative):
                continue  # links are never followed
            else:  # a regular file; a FIFO, socket or device is counted as not a regular file
                yield FileRef(_display(entry_path, root, cwd), entry.path)
        stack.extend(reversed(subdirs))


def display_scope(paths: tuple[str, ...], cwd: Path) -> tuple[str, ...]:
    """The scanned paths in the same form as reported paths ("" for a whole work tree), so a baseline
    entry can be told inside or outside what was scanned."""
    scope = []
    for given in paths:
        path = Path(os.path.abspath(cwd / given))
        root = find_worktree(path if path.is_dir() else path.parent)
        shown = _display(path, root, cwd)
        scope.append("" if shown == "." else shown)
    return tuple(scope)
