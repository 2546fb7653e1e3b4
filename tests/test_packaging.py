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


def _requirements() -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [*project["dependencies"], *(r for extra in extras.values() for r in extra)]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is in the standard library from 3.11")
def test_dependencies_are_bounded_and_the_pinned_set_fits_them() -> None:
    """Every dependency has a lower and (but the date-versioned regex and distributed, and the stub
    packages) an upper bound, and .ci/constraints.txt, the last green set, satisfies them all."""
    from packaging.requirements import Requirement

    pinned = {}
    for line in (ROOT / ".ci" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pinned[name.lower().replace("_", "-")] = version
    for text in _requirements():
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        operators = {spec.operator for spec in requirement.specifier}
        if not name.startswith("types-"):
            assert ">=" in operators, text
        if name not in ("regex", "distributed") and not name.startswith("types-"):  # versioned by date
            assert "<" in operators, text
        assert name in pinned and requirement.specifier.contains(pinned[name]), (text, pinned.get(name))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is in the standard library from 3.11")
def test_readme_pins_the_release_tag_of_this_version() -> None:
    """Releases are tagged vVERSION (README, Pre-commit hook): the examples name the tag of the version
    being released, so they work once it is tagged."""
    import re

    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    readme = (ROOT / "README.md").read_text()
    assert set(re.findall(r"rev: (\S+)", readme)) == {f"v{version}"}
    assert set(re.findall(r"uses: OWNER/spillguard@(\S+)", readme)) == {f"v{version}"}
