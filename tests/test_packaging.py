"""The wheel ships every subpackage and the rules (the tests run from an editable install, which would
not notice a package missing from pyproject.toml)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is in the standard library from 3.11")
def test_every_subpackage_is_listed() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "scanner").rglob("__init__.py")
    }
    assert on_disk <= listed
    assert config["package-dir"]["scanner.rules"] == "rules"
    assert config["package-data"]["scanner.rules"] == ["*.yml"]
