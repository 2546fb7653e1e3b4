"""Repositories reached through the git CLI, for a fleet audit: listing a repository's refs (`git
ls-remote`, what tells an unchanged repository without fetching anything), and keeping a bare mirror of
it up to date (cloned once, then fetched; branches, tags and notes only, not pull-request refs).

Every git command runs with a time-out, in a session of its own (so that, timed out, git and the
helpers it started are all killed), without a terminal to prompt on, and without the caller's GIT_*
variables but those that configure how to connect. Objects are read with pygit2 elsewhere in sources/.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from scanner.errors import GitError
from scanner.fleet_model import RefListing

DEFAULT_TIMEOUT = 600.0  # seconds for one clone or fetch (--git-timeout)
AUDITED = ("refs/heads/", "refs/tags/", "refs/notes/")  # what a mirror fetches and an audit walks
REFSPECS = tuple(f"+{prefix}*:{prefix}*" for prefix in AUDITED)
# GIT_* variables that say how to connect, kept; the rest (GIT_DIR, GIT_INDEX_FILE... set by a hook
# that runs spillguard) would point git at the wrong repository
_KEPT = {
    "GIT_ASKPASS",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_SSH_VARIANT",
    "GIT_SSL_CAINFO",
    "GIT_SSL_NO_VERIFY",
    "GIT_HTTP_PROXY_AUTHMETHOD",
    "GIT_PROXY_COMMAND",
    "GIT_ALLOW_PROTOCOL",
    "GIT_CONFIG_COUNT",
    "GIT_EXEC_PATH",
}


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_") or k in _KEPT or k.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))
    }
    env["GIT_TERMINAL_PROMPT"] = "0"  # a private repository without credentials fails, never waits
    return env


def _reason(stderr: str, source: str, shown: str) -> str:
    """git's own words for a failure, one line: the remote side's first `fatal:` line (the cause, when
    the server failed), else git's own, else the first `error:` line, else the last line."""
    text = stderr.replace(source, shown) if source else stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    preference = ("remote: fatal:", "fatal:", "remote: error:", "error:")
    pick = next(
        (line for prefix in preference for line in lines if line.startswith(prefix)),
        lines[-1] if lines else "",
    )
    pick = pick.removeprefix("remote: ")
    for prefix in ("fatal: ", "error: "):
        pick = pick.removeprefix(prefix)
    return pick.strip()[:300] or "git failed without saying why"


def run_git(args: list[str], timeout: float, source: str = "", shown: str = "") -> str:
    """git's standard output. Raises GitError with git's reason (the source's URL, which may hold
    credentials, replaced by `shown`), or saying it timed out."""
    process = subprocess.Popen(
        ["git", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise GitError(f"git {args[0]} timed out after {timeout:g} s") from None
    except BaseException:  # Ctrl-C, a terminating signal: git and its helpers stop too
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    if process.returncode != 0:
        message = err.decode("utf-8", "replace")
        raise GitError(_reason(message, source, shown))
    return out.decode("utf-8", "surrogateescape")


def _parse(lines: str, prefixes: tuple[str, ...]) -> RefListing:
    refs: dict[str, str] = {}
    head = None
    for line in lines.splitlines():
        if line.startswith("ref: ") and line.endswith("\tHEAD"):  # ls-remote --symref
            head = line[len("ref: ") : -len("\tHEAD")]
            continue
        target, _, name = line.partition("\t") if "\t" in line else line.partition(" ")
        if name.startswith(prefixes) and not name.endswith("^{}"):
            refs[name] = target
    return RefListing(tuple(sorted(refs.items())), head)


def list_refs(source: str, shown: str, timeout: float) -> RefListing:
    """The branches, tags and notes of the repository at `source`, and where its HEAD points."""
    out = run_git(
        ["ls-remote", "--symref", "--", source, "HEAD", *(f"{p}*" for p in AUDITED)], timeout, source, shown
    )
    return _parse(out, AUDITED)


def list_local(path: str, timeout: float) -> RefListing:
    """Every ref of a repository audited in place (remote-tracking branches and the stash included, as
    `scan --history` walks them), each stash entry, and where HEAD points."""
    refs = run_git(["-C", path, "for-each-ref", "--format=%(objectname) %(refname)"], timeout)
    listing = _parse(refs, ("refs/",))
    stash = (
        run_git(["-C", path, "log", "-g", "--format=%H", "refs/stash", "--"], timeout)
        if any(name == "refs/stash" for name, _ in listing.refs)
        else ""
    )
    entries = tuple((f"stash@{{{n}}}", sha) for n, sha in enumerate(stash.split()))
    try:
        head = run_git(["-C", path, "symbolic-ref", "-q", "HEAD"], timeout).strip()
    except GitError:  # detached
        head = "detached " + run_git(["-C", path, "rev-parse", "-q", "--verify", "HEAD"], timeout).strip()
    return RefListing(listing.refs + entries, head)


def _fetch(mirror: Path, source: str, shown: str, timeout: float) -> None:
    run_git(
        ["-C", str(mirror), "-c", "gc.autoDetach=false", "fetch", "--prune", "--quiet", "origin"],
        timeout,
        source,
        shown,
    )


def _clone(mirror: Path, source: str, shown: str, timeout: float) -> None:
    """A new mirror: made beside its place and renamed into it once fetched, so that a mirror in
    place is always a whole one."""
    partial = mirror.with_name(mirror.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    run_git(["init", "--bare", "--quiet", str(partial)], timeout)
    run_git(["-C", str(partial), "config", "remote.origin.url", source], timeout)
    for refspec in REFSPECS:
        run_git(["-C", str(partial), "config", "--add", "remote.origin.fetch", refspec], timeout)
    try:
        _fetch(partial, source, shown, timeout)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(mirror, ignore_errors=True)
    partial.rename(mirror)


def update_mirror(mirror: Path, source: str, shown: str, head: str | None, timeout: float) -> RefListing:
    """Brings the bare mirror at `mirror` up to date with `source` (cloning it the first time; a mirror
    that no longer fetches, damaged or left locked by a killed fetch, is cloned again once), points its
    HEAD at `head`, and returns what it now holds."""
    if not (mirror / "HEAD").is_file():
        _clone(mirror, source, shown, timeout)
    else:
        try:
            _fetch(mirror, source, shown, timeout)
        except GitError as exc:
            if "timed out" in exc.message:
                raise
            _clone(mirror, source, shown, timeout)
    listing = _parse(
        run_git(["-C", str(mirror), "for-each-ref", "--format=%(objectname) %(refname)"], timeout), AUDITED
    )
    if head is not None and any(name == head for name, _ in listing.refs):
        run_git(["-C", str(mirror), "symbolic-ref", "HEAD", head], timeout)
    else:
        head = None
    return RefListing(listing.refs, head)


def object_bytes(path: Path) -> int:
    """The size of the packed objects of the repository (bare, or with a work tree) at `path`, 0 when
    there is none: how much an audit of it will read, roughly, before it is read."""
    for objects in (path / "objects" / "pack", path / ".git" / "objects" / "pack"):
        try:
            return sum(entry.stat().st_size for entry in os.scandir(objects) if entry.name.endswith(".pack"))
        except OSError:
            continue
    return 0
