"""Versioned, content-stable identity of a finding.

A fingerprint covers the rule id, the path and a hash of the secret; the line and commit are left out so
that moving code does not create a new finding, and a different secret on the same line does.
"""

from __future__ import annotations

import hashlib

FINGERPRINT_ALGORITHM = "spillguard-fp-v1"


def secret_hash(secret: str) -> str:
    data = secret.encode("utf-8", "surrogatepass")
    return hashlib.sha256(b"spillguard-secret-v1\0" + data).hexdigest()


def fingerprint(rule_id: str, path: str, hashed_secret: str) -> str:
    payload = f"{FINGERPRINT_ALGORITHM}\x00{rule_id}\x00{path}\x00{hashed_secret}"
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()
