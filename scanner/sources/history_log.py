"""What each commit introduced and removed, read with `git log --raw` in child processes (a few, each given
a run of the commits: `parts`): git diffs the trees in C, several times faster than a tree diff per
commit through pygit2, and reports as it goes.
The commits are given in the history walk's order (`--no-walk=unsorted`), so they come back in that
order, each diffed against its first parent (everything, for a root commit), renames not followed: the
changes `scanner.sources.history_walk` reads through pygit2 otherwise, and falls back to for every
commit this does not report (no git, a repository git refuses, an object git cannot read).

git sees the repository as pygit2 does: its directory named explicitly, every GIT_* variable of the
environment left out, replace refs ignored (GIT_NO_REPLACE_OBJECTS) as libgit2 ignores them; a grafts
file and a shallow clone's boundary are honoured by both. Paths are read as bytes (`-z`), decoded as
pygit2 decodes them, and listed in the order libgit2 lists them (by their bytes)."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from collections.abc import Callable, Generator, Iterator

from scanner.sources.paths import display_path

GITLINK = b"160000"
Places = list[tuple[str, str]]  # (blob id, path)
Changes = tuple[Places, Places]  # what a commit introduced against its first parent, and what it removed

_COMMAND = (
    "log",
    "--no-walk=unsorted",
    "--stdin",
    "--raw",
    "--root",
    "--no-renames",
    "--no-abbrev",
    "--diff-merges=first-parent",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--no-show-signature",
    "-z",
    "--format=%H",
)
_READ = 1 << 16
_HEX = frozenset(b"0123456789abcdef")


def _environment() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    env.update(GIT_NO_REPLACE_OBJECTS="1", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return env


def _fields(stream: io.BufferedReader) -> Iterator[bytes]:
    """The NUL-separated fields of git's output, as they arrive (a field cut short by the end of the
    output, with no NUL after it, is left out)."""
    rest = b""
    while block := stream.read1(_READ):
        fields = (rest + block).split(b"\0")
        rest = fields.pop()
        yield from fields


class _Commit:
    """One commit's entries as they are read."""

    def __init__(self, sha: str, shown: Callable[[str, bytes], str]) -> None:
        self.sha = sha
        self.shown = shown
        self.introduced: list[tuple[bytes, str]] = []  # (raw path, blob)
        self.removed: list[tuple[bytes, str]] = []

    def add(self, meta: bytes, path: bytes) -> bool:
        parts = meta.split(b" ")
        if len(parts) != 5:
            return False
        old_mode, new_mode, old, new, status = parts
        if status != b"A" and old_mode != GITLINK and old != new:
            self.removed.append((path, old.decode("ascii")))
        if status != b"D" and new_mode != GITLINK:
            self.introduced.append((path, new.decode("ascii")))
        return True

    def changes(self) -> Changes:
        return self._places(self.introduced), self._places(self.removed)

    def _places(self, entries: list[tuple[bytes, str]]) -> Places:
        return [(blob, self.shown(self.sha, path)) for path, blob in sorted(entries, key=lambda e: e[0])]


class _Malformed(Exception):
    """Output that is not what git writes: nothing from there on is believed."""


def _commits(fields: Iterator[bytes], shown: Callable[[str, bytes], str]) -> Iterator[_Commit]:
    """Each commit of the output with its entries; the last one may be cut short."""
    current: _Commit | None = None
    for field in fields:
        field = field.lstrip(b"\n")
        if field.startswith(b":"):
            path = next(fields, None)
            if current is None or path is None or not current.add(field[1:], path):
                raise _Malformed
            continue
        if len(field) not in (40, 64) or not set(field) <= _HEX:
            raise _Malformed
        if current is not None:
            yield current
        current = _Commit(field.decode("ascii"), shown)
    if current is not None:
        yield current


FIRST_COMMITS = 100  # commits the first git process is given; each next one is given GROWTH times more
GROWTH = 4


def parts(commits: list[str], first: int = FIRST_COMMITS) -> list[list[str]]:
    """`commits` cut into runs of growing length, each given to a git process of its own. git reads
    every commit it is given before it writes anything (about 8 microseconds each: 45 ms for flask's
    5,572), so one process for them all would leave the audit waiting that long; the first process
    starts writing after a hundred, while the later ones read theirs."""
    runs, start, size = [], 0, first
    while start < len(commits):
        runs.append(commits[start : start + size])
        start, size = start + size, size * GROWTH
    return runs


def changes(
    git_dir: str, commits: list[str], shown: Callable[[str, bytes], str], first: int | None = None
) -> Iterator[tuple[str, Changes]]:
    """(commit, its changes) for `commits`, in their order, as far as git reports them whole: it
    stops, without an error, where git cannot go on (the caller diffs the rest itself). `shown(commit,
    raw path)` is how a path is reported. Each run of the commits (`parts`; `first`: the first run's
    length) is read from a git process of its own, all started at once: while the first runs are read,
    the processes of the later ones read their commits on the core the audit does not use yet."""
    # no run for no commits: git log given none would show HEAD's
    runs = parts(commits, FIRST_COMMITS if first is None else first)
    started: list[subprocess.Popen[bytes]] = []
    try:
        for run in runs:
            process = _start(git_dir, run)
            if process is None:
                break  # no git to run
            started.append(process)
        for process in started:
            if not (yield from _read(process, shown)):
                return  # the rest is diffed through pygit2
    finally:
        for process in started:
            _stop(process)


def _start(git_dir: str, commits: list[str]) -> subprocess.Popen[bytes] | None:
    """A git process listing the changes of `commits`; None when there is no git to run."""
    with tempfile.TemporaryFile() as listing:
        listing.write("".join(f"{sha}\n" for sha in commits).encode("ascii"))
        listing.seek(0)
        try:
            return subprocess.Popen(
                ["git", f"--git-dir={git_dir}", *_COMMAND],
                stdin=listing,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_environment(),
            )
        except OSError:
            return None


def _read(
    process: subprocess.Popen[bytes], shown: Callable[[str, bytes], str]
) -> Generator[tuple[str, Changes], None, bool]:
    """What `process` reports, commit by commit, as far as it is whole; whether it all was (git ended
    well, and its output was what git writes)."""
    assert isinstance(process.stdout, io.BufferedReader)
    held: _Commit | None = None  # complete once the next commit starts, or git ends well
    try:
        for commit in _commits(_fields(process.stdout), shown):
            if held is not None:
                yield held.sha, held.changes()
            held = commit
    except _Malformed:
        return False
    if process.wait() != 0:
        return False
    if held is not None:
        yield held.sha, held.changes()
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def shown_path(raw: bytes) -> str:
    """A path as git wrote it, decoded as pygit2 decodes paths, then made printable."""
    return display_path(raw.decode("utf-8", "surrogateescape"))
