"""A real headless Chromium (Debian's ``chromium`` driven through ``chromedriver`` by
Selenium) against a live segmentd. Without the browser the tests skip, except under CI."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from segmentd.config import Settings
from tests.live import LiveServer, serve_with_workers

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live segmentd with its background workers (big-segment imports) running."""
    with serve_with_workers(Settings(data_dir=tmp_path_factory.mktemp("console"))) as server:
        yield server


def _have_browser() -> bool:
    return os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    if call.when == "call" and call.excinfo is not None:
        browser = getattr(item, "funcargs", {}).get("driver")
        if browser is not None:
            SCREENSHOTS.mkdir(exist_ok=True)
            browser.save_screenshot(str(SCREENSHOTS / f"FAILED-{item.name}.png"))
            (SCREENSHOTS / f"FAILED-{item.name}.log").write_text(
                "\n".join(str(e) for e in browser.get_log("browser"))
                + "\n\n"
                + browser.find_element(By.TAG_NAME, "body").text
            )
    return report


@pytest.fixture
def driver() -> Iterator[WebDriver]:
    if not _have_browser():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Debian's chromium/chromium-driver are not installed")
        pytest.skip(
            "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
        )
    profile = tempfile.mkdtemp(prefix="segmentd-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    browser.set_script_timeout(20)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def screenshot(driver: WebDriver) -> Callable[[str], Path]:
    """Save the page as ``screenshots/<name>.png`` (git-ignored) for a reviewer to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        driver.save_screenshot(str(path))
        return path

    return take
