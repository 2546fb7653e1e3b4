"""Redacted previews: enough to recognise a credential, never enough to use or guess it."""

from __future__ import annotations

ELLIPSIS = "…"


def redact(secret: str) -> str:
    """`ghp_ab…yz` for long tokens, `abc…` for medium values, `…` with the length for short ones.
    Multi-line secrets (key blocks) show their first line only."""
    first_line = secret.strip().splitlines()[0] if secret.strip() else ""
    if first_line != secret.strip():
        return f"{first_line[:40]}{ELLIPSIS}"
    length = len(secret)
    if length >= 24:
        return f"{secret[:6]}{ELLIPSIS}{secret[-2:]}"
    if length >= 12:
        return f"{secret[:3]}{ELLIPSIS}"
    return f"{ELLIPSIS}({length} chars)"
