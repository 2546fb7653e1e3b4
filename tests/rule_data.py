"""One valid user rule as the YAML loader sees it, for tests that change a field or two."""

from __future__ import annotations

from typing import Any


def acme_rule(**fields: Any) -> dict[str, Any]:
    return {
        "id": "acme.token",
        "name": "Acme token",
        "description": "Acme API token.",
        "severity": "high",
        "confidence": "high",
        "keywords": ["acme_"],
        "pattern": "(?P<secret>acme_[a-z0-9]{20})",
        "remediation": {"summary": "Revoke it.", "rotate": ["Revoke it."]},
        "examples": {"positive": ["acme_q8w7e6r5t4y3u2i1o0pz"], "negative": ["acme_short"]},
        **fields,
    }
