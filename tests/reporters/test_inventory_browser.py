"""The HTML inventory in a real browser: headless Chromium (Debian's chromium and chromium-driver;
.ci/run installs them) loads the report from a file URL; the tests assert on the rendered DOM (counts,
rows, sorting, filtering, the detail view, the charts), on a screenshot being produced, and on an empty
browser console; repository-controlled markup renders as text and runs nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.conftest import Invoke
from tests.inventory_repo import HOSTILE_BRANCH, HOSTILE_PATH, Story, build_hostile, build_story

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and DRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver; "
    ".ci/run installs them)",
)
ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1360,1000",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (*ARGUMENTS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    yield driver
    driver.quit()


def open_report(browser: webdriver.Chrome, run_cli: Invoke, story: Story, out: Path, *args: str) -> list[Any]:
    """Writes the story's HTML inventory to `out`, loads it, and returns its JSON credentials."""
    result = run_cli("inventory", "-q", "--as-of=2024-06-01", "-o", str(out), *args, cwd=story.root)
    assert result.exit_code in (0, 1), result.output
    data = run_cli("inventory", "-q", "-f", "json", "--as-of=2024-06-01", *args, cwd=story.root).stdout
    console(browser)  # drop what an earlier page logged
    browser.get(out.as_uri())
    credentials: list[Any] = json.loads(data)["credentials"]
    return credentials


def console(browser: webdriver.Chrome) -> list[dict[str, str]]:
    """What the page logged since the last call (every level: goog:loggingPrefs browser ALL)."""
    entries: list[dict[str, str]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    return entries


def console_errors(browser: webdriver.Chrome) -> list[dict[str, str]]:
    return [entry for entry in console(browser) if entry["level"] in ("SEVERE", "WARNING")]


def visible_ids(browser: webdriver.Chrome) -> list[str]:
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.row")
    return [row.get_attribute("data-id") or "" for row in rows if row.is_displayed()]


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path / "user-cache"))
    return tmp_path


def test_report_rows_sort_filter_and_details(browser: webdriver.Chrome, run_cli: Invoke, cache: Path) -> None:
    story = build_story(cache / "repo")
    token, short = open_report(browser, run_cli, story, cache / "inventory.html")
    assert browser.title == "Credential inventory · repo"
    cards = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#counts .card .n")]
    assert cards == ["2", "1", "1", "1", "2"]  # credentials, open, only in history, to act on, unreviewed
    assert browser.find_element(By.ID, "verdict").text == "1 credential to act on (--fail-on low)"
    assert visible_ids(browser) == [token["id"], short["id"]]  # oldest first
    assert not any(d.is_displayed() for d in browser.find_elements(By.CSS_SELECTOR, "tr.detail"))

    window = browser.find_element(By.CSS_SELECTOR, "th[data-sort=days] button")
    window.click()
    assert visible_ids(browser) == [short["id"], token["id"]]  # 10 days, then 143
    window.click()
    assert visible_ids(browser) == [token["id"], short["id"]]
    header = browser.find_element(By.CSS_SELECTOR, "th[data-sort=days]")
    assert header.get_attribute("aria-sort") == "descending"

    search = browser.find_element(By.ID, "filter-text")
    search.send_keys("PUBLISH.py")  # a path only the token had, any case
    assert visible_ids(browser) == [token["id"]]
    assert browser.find_element(By.ID, "shown-count").text == "1 of 2 credentials"
    Select(browser.find_element(By.ID, "filter-state")).select_by_value("history-only")
    assert visible_ids(browser) == [] and browser.find_element(By.ID, "no-match").is_displayed()
    search.clear()
    search.send_keys(" ")  # an input event with no words
    assert visible_ids(browser) == [short["id"]]
    Select(browser.find_element(By.ID, "filter-state")).select_by_value("")
    browser.find_element(By.ID, "filter-failing").click()
    assert visible_ids(browser) == [token["id"]]
    browser.find_element(By.ID, "filter-failing").click()

    row = browser.find_element(By.ID, f"c-{token['id']}")
    row.click()
    detail = browser.find_element(By.ID, f"d-{token['id']}")
    assert detail.is_displayed() and row.get_attribute("aria-expanded") == "true"
    text = detail.text
    assert "Still at the tip of" in text and "release/1.0" in text and "tag v1.0" in text
    removed = f"{story.commits['remove-again'][:10]} · Dee Diaz <dee@example.com> · 2024-05-11"
    assert f"Removed by\n{removed}" in text
    assert "from main" in text and "Ann Archer <ann@example.com>, Bob Brown" in text
    assert "2024-01-10 → open (143 days)" in text
    assert "Rotate it, then remove it from every branch and tag" in text
    steps = detail.find_elements(By.CSS_SELECTOR, "ol.rotate li")
    assert [s.text for s in steps] == token["remediation"]["rotate"]
    revoke = detail.find_element(By.CSS_SELECTOR, "a.revoke")
    assert revoke.get_attribute("href") == token["remediation"]["revoke_url"]
    assert detail.find_elements(By.CSS_SELECTOR, "ul.purge") == []
    row.click()
    assert not detail.is_displayed()

    browser.get(f"{(cache / 'inventory.html').as_uri()}#c-{short['id']}")  # a link opens its row
    short_detail = browser.find_element(By.ID, f"d-{short['id']}")
    assert short_detail.is_displayed() and "PURGING IT FROM HISTORY" in short_detail.text  # h3: uppercase
    assert len(short_detail.find_elements(By.CSS_SELECTOR, "ul.purge li")) == 3

    bars = browser.find_elements(By.CSS_SELECTOR, "#timeline rect")
    assert len(bars) == 2 and all(float(b.get_attribute("width") or 0) > 0 for b in bars)
    assert "github" in browser.find_element(By.ID, "provider-chart").text
    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#oldest .days")] == ["143"]
    png = browser.get_screenshot_as_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    (cache / "inventory.png").write_bytes(png)
    assert console_errors(browser) == []


def test_repository_markup_renders_as_text(browser: webdriver.Chrome, run_cli: Invoke, cache: Path) -> None:
    story = build_hostile(cache / "hostile")
    (first, second) = open_report(browser, run_cli, story, cache / "hostile.html")
    assert browser.execute_script("return document.scripts.length") == 1
    assert browser.execute_script("return document.querySelectorAll('b, img').length") == 0
    for credential in (first, second):
        browser.find_element(By.ID, f"c-{credential['id']}").click()
    page = browser.find_element(By.TAG_NAME, "body").text
    assert HOSTILE_PATH in page and HOSTILE_BRANCH in page  # shown as written, as text
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - nothing ran
    assert console_errors(browser) == []


def test_report_with_changes_and_shown_secrets(
    browser: webdriver.Chrome, run_cli: Invoke, cache: Path
) -> None:
    story = build_story(cache / "repo")
    before = cache / "before.json"
    run_cli("inventory", "-q", "-o", str(before), "--as-of=2024-05-01", cwd=story.root)
    shown = ("--since-inventory", str(before), "--show-secrets")
    open_report(browser, run_cli, story, cache / "changes.html", *shown)
    changes = browser.find_element(By.ID, "changes")
    assert changes.location["y"] < browser.find_element(By.ID, "counts").location["y"]  # shown first
    assert "Changes since 2024-05-01" in changes.text
    warning = browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert warning.startswith("This report shows secret values")
    assert console_errors(browser) == []
    assert os.path.getsize(cache / "changes.html") < 200_000
