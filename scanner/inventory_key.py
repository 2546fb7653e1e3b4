"""The inventory key: a random 256-bit key per repository, kept beside the history cache (in
`spillguard/` of the common git directory, or `--cache DIR`), never written into a report. A credential's
id is an HMAC of its secret hash under this key, so two inventories of the same repository name a
credential alike and can be compared, while an id says nothing about the secret to whoever lacks the key
(an unsalted hash of a short password could be reversed by guessing). Reports carry `key_id`, a keyed
hash of a constant, to tell which key their ids are under."""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from pathlib import Path

from scanner.bounded import NotRegularFile, read_bounded
from scanner.errors import InputError

KEY_FILE = "inventory-key"
_KEY_BYTES = 32


def _read(path: Path) -> bytes:
    try:
        text = read_bounded(path, 4 * _KEY_BYTES, follow_links=False).decode("ascii").strip()
        return bytes.fromhex(text) if len(text) == 2 * _KEY_BYTES else b""
    except (UnicodeDecodeError, ValueError):
        return b""


def _create(path: Path) -> None:
    """Writes a new key to a temporary file and links it into place, so a key file is whole or absent,
    and of two runs creating it at once, one key wins and both use it."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(os.urandom(_KEY_BYTES).hex() + "\n")
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: rename, unless a key appeared meanwhile
            if not os.path.lexists(path):
                os.replace(temp, path)
    finally:
        if os.path.lexists(temp):
            os.unlink(temp)


def load_key(directory: Path) -> bytes:
    """The key in `directory`, created there (readable by its owner only) when there is none."""
    path = directory / KEY_FILE
    try:
        if not os.path.lexists(path):
            directory.mkdir(parents=True, exist_ok=True)
            _create(path)
        key = _read(path)
    except NotRegularFile as exc:
        raise InputError(f"{path}: the inventory key file {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read or create the inventory key ({exc.strerror})") from None
    if not key:
        raise InputError(
            f"{path}: not an inventory key (64 hexadecimal digits); delete it to make a new one "
            "(credential ids then change, so a previous inventory no longer compares)"
        )
    return key


def key_id(key: bytes) -> str:
    """Which key a report's ids are under, without revealing it."""
    return hmac.new(key, b"spillguard-inventory-key-id-v1", hashlib.sha256).hexdigest()[:16]


def credential_id(key: bytes, secret_hash: str) -> str:
    """A credential's id: its secret hash under the repository's key."""
    message = b"spillguard-credential-v1\0" + secret_hash.encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
