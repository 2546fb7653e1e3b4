"""Fuzz tests parse thousands of generated rule files: keep their parsed-YAML cache entries out of the
user's cache directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="package", autouse=True)
def private_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPILLGUARD_CACHE_DIR", str(directory))
        yield directory
