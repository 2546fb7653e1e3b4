"""Structural validators for credential shapes that carry no checksum of their own.

`basic_credentials`: the base64 token of an HTTP Basic `Authorization` header (RFC 7617) is the
encoding of `user-id ":" password`. A candidate is kept only when it decodes to printable UTF-8 text
holding a colon with a password after it (or a key-like user id alone, as APIs that take the key as the
user name and an empty password expect), and is not one of the pairs documentation uses.
"""

from __future__ import annotations

import base64
import binascii

# user:password pairs that specifications and tutorials print (RFC 7617's Aladdin example among them)
EXAMPLE_PAIRS = frozenset(
    {
        "aladdin:open sesame",
        "aladdin:opensesame",
        "user:password",
        "user:pass",
        "username:password",
        "user:secret",
        "admin:admin",
        "admin:password",
        "test:test",
        "foo:bar",
        "user:user",
        "login:password",
        "name:password",
        "client_id:client_secret",
        "clientid:clientsecret",
    }
)
MIN_KEY_AS_USER = 16  # `key:` with an empty password: only a user id this long is read as a key


def _printable(text: str) -> bool:
    return all(char.isprintable() for char in text)


def basic_credentials(token: str) -> bool:
    """`token` is standard base64 (padding optional) of printable `user:password`, the password
    non-empty or the user id key-like, and the pair not a documentation example."""
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, colon, password = text.partition(":")
    if not colon or not _printable(text) or text.lower() in EXAMPLE_PAIRS:
        return False
    return bool(password) or len(user) >= MIN_KEY_AS_USER
