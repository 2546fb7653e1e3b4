"""One valid user rule, as the YAML loader sees it and as a compiled model object, for tests that
change a field or two."""

from __future__ import annotations

from typing import Any

from scanner.model import Confidence, Examples, Remediation, Rule, Severity


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


def model_rule(**fields: Any) -> Rule:
    """A `Rule` built directly, bypassing the loader (for patterns the loader would refuse)."""
    values: dict[str, Any] = {
        "id": "acme.token",
        "name": "n",
        "description": "d",
        "severity": Severity.HIGH,
        "confidence": Confidence.HIGH,
        "keywords": ("acme_",),
        "pattern": "(?P<secret>acme_[a-z0-9]{20})",
        "max_width": 40,
        "remediation": Remediation("s", ("r",)),
        "examples": Examples((), ()),
        "source": "test",
    }
    return Rule(**{**values, **fields})
