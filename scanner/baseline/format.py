"""The baseline file: load (validating everything, every error one line naming the file), upgrade
older versions (pure functions), and save atomically and deterministically.

Version 1:
    {"version": 1, "tool": "spillguard", "identity": "spillguard-baseline-v1",
     "hash": {"kdf": "scrypt", "n": 256, "r": 8, "p": 1, "salt": HEX},
     "entries": [{"fingerprint", "rule_id", "path", "line", "secret_hash", "status", "reason",
                  "reviewer", "expires"}, ...]}
Entries are sorted by path, rule id and fingerprint, one per line, keys sorted, no timestamps. Two
branches that each added entries merge with git's merge driver, `spillguard baseline merge`
(scanner.baseline.merge); a file a line merge left with conflict markers is refused with the way out.
A UTF-8 byte-order mark (Windows editors) is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from scanner import jsonio
from scanner.atomic import write_text
from scanner.bounded import NotRegularFile, read_bounded
from scanner.errors import BaselineError
from scanner.model import ReviewStatus

VERSION = 1
IDENTITY = "spillguard-baseline-v1"
DEFAULT_PATH = ".spillguard-baseline.json"
MAX_BASELINE_BYTES = 256 * 1024 * 1024  # 10,000 entries take about 3 MiB


@dataclass(frozen=True)
class HashParams:
    salt: str  # hex
    n: int = 256
    r: int = 8
    p: int = 1
    kdf: str = "scrypt"


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule_id: str
    path: str
    line: int
    secret_hash: str
    status: ReviewStatus = ReviewStatus.UNREVIEWED
    reason: str | None = None
    reviewer: str | None = None
    expires: date | None = None

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Baseline:
    params: HashParams
    entries: tuple[Entry, ...]

    def sorted(self) -> Baseline:
        return replace(
            self, entries=tuple(sorted(self.entries, key=lambda e: (e.path, e.rule_id, e.fingerprint)))
        )


# version -> function turning that version's document into the next version's document
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

ENTRY_KEYS = frozenset(
    {
        "fingerprint",
        "rule_id",
        "path",
        "line",
        "secret_hash",
        "status",
        "reason",
        "reviewer",
        "expires",
    }
)
_HEX64 = frozenset("0123456789abcdef")


def _is_hex(value: object, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and set(value) <= _HEX64


def upgrade(document: dict[str, Any], name: str) -> dict[str, Any]:
    """Brings an older document to the current version, one step at a time."""
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BaselineError(f"{name}: no integer `version`; is this a spillguard baseline?")
    while version < VERSION:
        step = UPGRADES.get(version)
        if step is None:
            raise BaselineError(
                f"{name}: version {version} cannot be upgraded; create a new baseline "
                "with `spillguard baseline create`"
            )
        document = step(document)
        version = document["version"]
    if version > VERSION:
        raise BaselineError(
            f"{name}: version {version} is newer than this spillguard understands "
            f"(up to {VERSION}); upgrade spillguard"
        )
    return document


def _entry(raw: Any, number: int, name: str) -> Entry:
    where = f"{name}: entry {number}"
    if not isinstance(raw, dict):
        raise BaselineError(f"{where} is not an object")
    missing = sorted({"fingerprint", "rule_id", "path", "line", "secret_hash", "status"} - set(raw))
    if missing:
        raise BaselineError(f"{where} is missing {', '.join(missing)}")
    unknown = sorted(set(raw) - ENTRY_KEYS)
    if unknown:
        raise BaselineError(f"{where} has unknown field(s) {', '.join(unknown)}")
    if not _is_hex(raw["fingerprint"], 64) or not _is_hex(raw["secret_hash"], 64):
        raise BaselineError(f"{where}: fingerprint and secret_hash must be 64 lowercase hex digits")
    if not isinstance(raw["rule_id"], str) or not isinstance(raw["path"], str):
        raise BaselineError(f"{where}: rule_id and path must be strings")
    line = raw["line"]
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise BaselineError(f"{where}: line must be a positive integer")
    try:
        status = ReviewStatus(raw["status"])
    except ValueError:
        choices = ", ".join(s.value for s in ReviewStatus)
        raise BaselineError(f"{where}: status must be one of {choices}") from None
    for key in ("reason", "reviewer"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise BaselineError(f"{where}: {key} must be a string or null")
    expires = None
    if raw.get("expires") is not None:
        try:
            expires = date.fromisoformat(raw["expires"])
        except (TypeError, ValueError):
            raise BaselineError(f"{where}: expires must be a date like 2027-01-31") from None
    return Entry(
        raw["fingerprint"],
        raw["rule_id"],
        raw["path"],
        line,
        raw["secret_hash"],
        status,
        raw.get("reason"),
        raw.get("reviewer"),
        expires,
    )


def _params(raw: Any, name: str) -> HashParams:
    if not isinstance(raw, dict) or raw.get("kdf") != "scrypt":
        raise BaselineError(f"{name}: `hash` must describe the scrypt parameters and salt")
    salt = raw.get("salt")
    if not isinstance(salt, str) or len(salt) < 32 or not set(salt) <= _HEX64:
        raise BaselineError(f"{name}: hash.salt must be at least 16 bytes of lowercase hex")
    n = _bounded_int(raw, "n", 2**16, name)
    r = _bounded_int(raw, "r", 16, name)
    p = _bounded_int(raw, "p", 4, name)
    if n & (n - 1) or n < 2:
        raise BaselineError(f"{name}: hash.n must be a power of two")
    return HashParams(salt=salt, n=n, r=r, p=p)


def _bounded_int(raw: dict[str, Any], key: str, most: int, name: str) -> int:
    """A positive integer no larger than `most`: a hostile file must not make hashing take forever."""
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= most:
        raise BaselineError(f"{name}: hash.{key} must be an integer from 1 to {most}")
    return value


CONFLICT_MARKERS = ("<<<<<<< ", "=======\n", ">>>>>>> ")


def conflicted(text: str) -> bool:
    """Whether `text` holds the markers git leaves in a file whose line merge conflicted."""
    return any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines(keepends=True))


def parse(text: str, name: str, consistent: Callable[[HashParams, Entry], bool]) -> Baseline:
    """`consistent(params, entry)` recomputes an entry's fingerprint; a mismatch means the file was
    edited by hand in a way that cannot be trusted."""
    text = text.removeprefix("\ufeff")
    if conflicted(text):
        base = Path(name).name
        raise BaselineError(
            f"{name}: holds git conflict markers (<<<<<<<, =======, >>>>>>>): a merge left it unresolved. "
            f"Run `spillguard baseline merge -b {name}` to merge both sides' entries from git's index, then "
            f"`git add {base}`; `spillguard install-hook --merge-driver` makes git merge it that way itself"
        )
    try:
        document = jsonio.loads(text)
    except jsonio.TooDeep as exc:
        raise BaselineError(f"{name}: not a baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, dict):
        raise BaselineError(f"{name}: expected a JSON object")
    document = upgrade(document, name)
    if document.get("identity") != IDENTITY:
        raise BaselineError(
            f"{name}: unknown identity algorithm {document.get('identity')!r}; "
            f"this spillguard uses {IDENTITY}"
        )
    params = _params(document.get("hash"), name)
    raw_entries = document.get("entries")
    if not isinstance(raw_entries, list):
        raise BaselineError(f"{name}: `entries` must be a list")
    entries = tuple(_entry(raw, number, name) for number, raw in enumerate(raw_entries, 1))
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        if entry.fingerprint in seen:
            raise BaselineError(f"{name}: entry {number} duplicates fingerprint {entry.fingerprint[:12]}…")
        seen.add(entry.fingerprint)
        if not consistent(params, entry):
            raise BaselineError(
                f"{name}: entry {number} ({entry.path}, {entry.rule_id}) does not match "
                "its fingerprint; the file was edited by hand. Restore it from git or "
                "recreate it with `spillguard baseline create`"
            )
    return Baseline(params, entries)


def load(path: Path, consistent: Callable[[HashParams, Entry], bool]) -> Baseline:
    try:
        data = read_bounded(path, MAX_BASELINE_BYTES + 1)
        if len(data) > MAX_BASELINE_BYTES:
            raise BaselineError(f"{path}: larger than {MAX_BASELINE_BYTES // 1024**2} MiB; not a baseline")
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: baseline file not found (create one with `spillguard baseline create`)"
        ) from None
    except NotRegularFile as exc:  # a FIFO or /dev/zero would block or never end
        raise BaselineError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot be read ({exc})") from None
    return parse(text, str(path), consistent)


def _entry_json(entry: Entry) -> str:
    return json.dumps(
        {
            "expires": entry.expires.isoformat() if entry.expires else None,
            "fingerprint": entry.fingerprint,
            "line": entry.line,
            "path": entry.path,
            "reason": entry.reason,
            "reviewer": entry.reviewer,
            "rule_id": entry.rule_id,
            "secret_hash": entry.secret_hash,
            "status": entry.status.value,
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def render(baseline: Baseline) -> str:
    params = baseline.params
    head = json.dumps(
        {"kdf": params.kdf, "n": params.n, "p": params.p, "r": params.r, "salt": params.salt}, sort_keys=True
    )
    entries = ",\n".join(f"    {_entry_json(e)}" for e in baseline.sorted().entries)
    body = f"[\n{entries}\n  ]" if entries else "[]"
    return (
        f'{{\n  "entries": {body},\n  "hash": {head},\n  "identity": "{IDENTITY}",\n'
        f'  "tool": "spillguard",\n  "version": {VERSION}\n}}\n'
    )


def save(baseline: Baseline, path: Path) -> None:
    """Atomic: no half-written baseline is ever left behind."""
    try:
        write_text(path, render(baseline), mode=0o644)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write the baseline ({exc.strerror})") from None
