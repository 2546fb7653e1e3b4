"""The fleet's credential inventory: per-repository results (audited in this process, as a worker does)
joined by credential id (scanner.fleet_join), written by the inventory's reporters with the
repositories holding each credential; the HTML in headless Chromium."""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scanner.fleet_join import join
from scanner.fleet_model import Outcome, RepoResult
from scanner.model import Policy, ReviewStatus, Severity
from scanner.modes.fleet_task import TaskConfig, audit_repository
from scanner.reporters import get_inventory_writer
from scanner.ruleset.compiled import CompiledRuleset
from scanner.sources.fleet_sources import parse_source
from tests.conftest import git
from tests.modes.test_git_modes import commit_file
from tests.tokens import github_token

SHARED = github_token(rng=random.Random(505))
OWN = github_token(rng=random.Random(606))
HOSTILE = "<b>bold<img src=x onerror=alert(1)>"  # a directory name: no slash
KEY = b"f" * 32
TODAY = date(2026, 12, 1)


def _repo(root: Path, name: str, files: dict[str, str], remove: str | None = None) -> Path:
    path = root / name
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for file, text in files.items():
        commit_file(path, file, text)
    if remove is not None:
        commit_file(path, remove, "nothing here any more\n")
    return path


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, ruleset: CompiledRuleset) -> list[RepoResult]:
    root = tmp_path_factory.mktemp("fleet-inventory")
    repos = [
        _repo(root, "api", {"settings.py": f'TOKEN = "{SHARED}"\n'}),
        _repo(root, HOSTILE, {"ci/deploy.sh": f"export GH={SHARED}\n"}, remove="ci/deploy.sh"),
        _repo(root, "tools", {"a.py": "x = 1\n", "own.env": f"GH_TOKEN={OWN}\n"}),
    ]
    config = TaskConfig(ruleset, Policy(), KEY, str(root / "work"), 60.0)
    return [audit_repository(parse_source(str(path)), None, config) for path in repos]


def test_one_secret_in_two_repositories_is_one_credential(results: list[RepoResult]) -> None:
    inventory = join(results, TODAY, "f" * 16)
    assert inventory.source == "fleet" and inventory.name == "fleet of 3 repositories"
    shared = next(c for c in inventory.credentials if len(c.repositories) == 2)
    names = [Path(r.name).name for r in shared.repositories]
    assert names == sorted(["api", HOSTILE])
    assert shared.window.open  # still at api's tip, though removed from the other
    assert shared.commits == 2 and len(shared.removals) == 1
    api = next(r for r in shared.repositories if r.name.endswith("/api"))
    assert api.open and api.held_at == ("refs/heads/main",) and api.paths == ("settings.py",)
    assert any(path.endswith("/api:settings.py") for path in shared.paths)
    assert any(ref.startswith("refs/heads/main (") and ref.endswith("/api)") for ref in shared.held_at)
    own = next(c for c in inventory.credentials if len(c.repositories) == 1)
    assert own.window.open and own.window.days is not None
    assert [c.order for c in inventory.credentials] == [0, 1]


def test_windows_reviews_and_severity_floor(results: list[RepoResult]) -> None:
    hostile = next(r for r in results if HOSTILE in r.repo.name)
    only_closed = join([hostile], TODAY, "f" * 16)
    (closed,) = only_closed.credentials
    assert not closed.window.open and closed.window.end is not None and closed.window.days is not None
    reviewed = [
        replace(
            r,
            credentials=tuple(
                replace(c, review=replace(c.review, status=ReviewStatus.FALSE_POSITIVE))
                for c in r.credentials
            ),
        )
        for r in results
    ]
    accepted = replace(
        reviewed[0].credentials[0].review, status=ReviewStatus.ACCEPTED_RISK, expires="2026-01-01"
    )
    reviewed[0] = replace(reviewed[0], credentials=(replace(reviewed[0].credentials[0], review=accepted),))
    joined = join(reviewed, TODAY, "f" * 16)
    shared = next(c for c in joined.credentials if len(c.repositories) == 2)
    assert shared.review.status is ReviewStatus.ACCEPTED_RISK and shared.review.expired  # expired on TODAY
    assert join(results, TODAY, "f" * 16, min_severity=Severity.CRITICAL).credentials == ()


def test_a_failed_repository_keeps_its_last_credentials_and_says_so(results: list[RepoResult]) -> None:
    failed = replace(results[2], outcome=Outcome.FAILED, reason="git fetch timed out after 600 s")
    inventory = join([results[0], results[1], failed], TODAY, "f" * 16)
    assert len(inventory.credentials) == 2
    (notice,) = inventory.notices
    assert notice.message.startswith(
        "not audited in this run: git fetch timed out after 600 s; its credentials"
    )


def test_every_format_shows_the_repositories(results: list[RepoResult], tmp_path: Path) -> None:
    import jsonschema

    inventory = join(results, TODAY, "f" * 16)
    data = json.loads(get_inventory_writer("json")(inventory))
    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "scanner/reporters/schemas/inventory-v1.json").read_text()
    )
    jsonschema.validate(data, schema)
    assert data["source"] == "fleet" and len(data["repositories"]) == 3
    assert sorted(c["in_repositories"] for c in data["credentials"]) == [1, 2]
    rows = list(csv.DictReader(io.StringIO(get_inventory_writer("csv")(inventory))))
    assert sorted(row["in_repositories"] for row in rows) == ["1", "2"]
    markdown = get_inventory_writer("markdown")(inventory)
    assert "| at tips of | repositories |" in markdown and "- **In 2 repositories** " in markdown
    assert "from the histories of 3 repositories" in markdown
    hostile = next(r.repo.name for r in results if HOSTILE in r.repo.name)
    assert f"`{hostile}`" in markdown  # in a code span: shown as written, never as markup
    html = get_inventory_writer("html")(inventory)
    assert "<b>bold" not in html and "&lt;b&gt;bold&lt;img" in html
    assert 'data-sort="repos"' in html and "full histories of 3 repositories" in html
    (tmp_path / "fleet.html").write_text(html)


def test_the_fleet_html_in_a_browser(results: list[RepoResult], tmp_path: Path) -> None:
    from tests.reporters.test_inventory_browser import CHROMIUM, DRIVER

    if not (CHROMIUM.exists() and DRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    from selenium.webdriver.common.by import By

    from tests.reporters.test_inventory_browser import console_errors, visible_ids

    inventory = join(results, TODAY, "f" * 16)
    page = tmp_path / "fleet.html"
    page.write_text(get_inventory_writer("html")(inventory))
    shared = next(c for c in inventory.credentials if len(c.repositories) == 2)
    own = next(c for c in inventory.credentials if len(c.repositories) == 1)
    driver = _chromium(tmp_path)
    try:
        console_errors(driver)
        driver.get(page.as_uri())
        header = driver.find_element(By.CSS_SELECTOR, "th[data-sort=repos] button")
        header.click()
        assert visible_ids(driver) == [own.id, shared.id]  # 1 repository, then 2
        header.click()
        assert visible_ids(driver) == [shared.id, own.id]
        search = driver.find_element(By.ID, "filter-text")
        search.send_keys("tools")  # a repository's name filters its credentials
        assert visible_ids(driver) == [own.id]
        search.clear()
        search.send_keys(" ")
        driver.find_element(By.ID, f"c-{shared.id}").click()
        detail = driver.find_element(By.ID, f"d-{shared.id}").text
        assert "IN 2 REPOSITORIES" in detail.upper() and HOSTILE in detail  # markup shown as text
        assert driver.execute_script("return document.querySelectorAll('b, img').length") == 0
        assert console_errors(driver) == []
    finally:
        driver.quit()


def _chromium(tmp_path: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    from tests.reporters.test_inventory_browser import ARGUMENTS, CHROMIUM, DRIVER

    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (*ARGUMENTS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(DRIVER)), options=options)
