"""The official SARIF 2.1.0 schema, shipped in fixtures/schemas/ (source and terms in its README), so
every test run validates SARIF against it, with no network and no file outside the repository."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "sarif-schema-2.1.0.json"


@functools.lru_cache(maxsize=1)
def sarif_schema_validator() -> Any:
    import jsonschema

    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def assert_valid(text: str) -> Any:
    """The SARIF log in `text`, parsed, after checking it against the schema (every error listed)."""
    log = json.loads(text)
    errors = sorted(sarif_schema_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return log


def load_sarif(path: Path) -> Any:
    """A SARIF file written by spillguard in a subprocess, validated."""
    return assert_valid(path.read_text(encoding="utf-8"))
