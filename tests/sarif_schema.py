"""The official SARIF 2.1.0 schema, shipped in fixtures/schemas/ (source and terms in its README), so
every test run validates SARIF against it, with no network and no file outside the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "sarif-schema-2.1.0.json"


def sarif_schema_validator() -> Any:
    import jsonschema

    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
