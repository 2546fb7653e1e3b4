"""The repositories of a fleet as the user names them: a local repository (a path), a clone URL
(`https://`, `ssh://`, `git@host:path`, `file://`), or a file listing them one per line (`--repos FILE`).
Each becomes a `Repo`: the source git reads, a name for reports (credentials in a URL are never part of
it), and a directory name in the state directory that stays the same when a URL's credentials change."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from scanner.bounded import NotRegularFile, read_bounded
from scanner.errors import InputError
from scanner.fleet_model import Repo

MAX_LIST_BYTES = 16 * 1024 * 1024  # a --repos file: a million repositories fit
URL_SCHEMES = ("https", "ssh", "file")
FORMS = "a local repository path, or an https://, ssh://, git@host:path or file:// URL"
_SCP_LIKE = re.compile(r"^(?:[A-Za-z0-9._~-]+@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>(?!/)[^\s]+)$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def shown(text: str) -> str:
    """`text` as an error may show it: a URL's user name and password replaced by `***`."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rsplit("@", 1)[1]
    return f"{scheme}{sep}{authority}{slash}{path}"


def _clean_path(path: str) -> str:
    path = path.strip("/")
    return path[: -len(".git")] if path.endswith(".git") else path


def _slug(name: str, identity: str) -> str:
    readable = _UNSAFE.sub("_", name).strip("._")[-60:] or "repository"
    return f"{readable}-{hashlib.sha256(identity.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}"


def _url_repo(text: str) -> Repo:
    parts = urlsplit(text)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError("a file:// URL names an absolute path: file:///path/to/repo")
        name = parts.path.rstrip("/") or "/"
        return Repo(name=name, source=text, slug=_slug(name, text))
    host = parts.hostname or ""
    if not host or not parts.path.strip("/"):
        raise ValueError("a clone URL names a host and a repository path")
    port = f":{parts.port}" if parts.port else ""
    name = f"{host}{port}/{_clean_path(parts.path)}"
    identity = f"{parts.scheme}://{host}{port}{parts.path}"  # without user or password
    return Repo(name=name, source=text, slug=_slug(name, identity))


def parse_source(text: str, cwd: Path | None = None) -> Repo:
    """The repository `text` names. Raises ValueError (a sentence) for anything else."""
    if not text or text != text.strip() or any(ord(c) < 32 for c in text):
        raise ValueError("an empty name, or one with spaces around it or control characters")
    if text.startswith("-"):
        raise ValueError("a source cannot start with '-'")
    scheme = text.split("://", 1)[0].lower() if "://" in text else None
    if scheme is not None:
        if scheme not in URL_SCHEMES:
            raise ValueError(f"{scheme}:// is not supported: give {FORMS}")
        return _url_repo(text)
    scp = _SCP_LIKE.match(text)
    if scp is not None and not os.path.exists(text):
        name = f"{scp['host']}/{_clean_path(scp['path'])}"
        return Repo(name=name, source=text, slug=_slug(name, f"{scp['host']}:{scp['path']}"))
    path = Path(os.path.abspath((cwd or Path.cwd()) / os.path.expanduser(text)))
    if not path.is_dir():
        raise ValueError(f"no such directory, and not a clone URL: give {FORMS}")
    return Repo(name=str(path), source=str(path), slug=_slug(path.name, str(path)), local=True)


def read_list(path: str) -> list[tuple[int, str]]:
    """The sources listed in a --repos file: (line number, source), blank lines and `#` comments left
    out."""
    try:
        data = read_bounded(path, MAX_LIST_BYTES + 1)
    except NotRegularFile as exc:
        raise InputError(f"{path}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the repository list ({exc.strerror})") from None
    if len(data) > MAX_LIST_BYTES:
        raise InputError(f"{path}: the repository list is larger than 16 MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            entries.append((number, stripped))
    return entries


def collect(
    sources: Iterable[str], lists: Iterable[str], listed: Iterable[Repo] = (), cwd: Path | None = None
) -> tuple[Repo, ...]:
    """The fleet: the named sources, those in each --repos file, then those an API listed (`listed`);
    a repository named twice (the same state directory) is audited once."""
    found: dict[str, Repo] = {}

    def add(repo: Repo) -> None:
        found.setdefault(repo.slug, repo)

    for source in sources:
        try:
            add(parse_source(source, cwd))
        except ValueError as exc:
            raise InputError(f"{shown(source)}: {exc}") from None
    for path in lists:
        for number, source in read_list(path):
            try:
                add(parse_source(source, Path(path).resolve().parent))
            except ValueError as exc:
                raise InputError(f"{path}:{number}: {exc}") from None
    for repo in listed:
        add(repo)
    return tuple(found.values())
