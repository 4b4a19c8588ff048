"""Headless Chromium for the web inbox tests: Debian's chromium and chromium-driver, driven by Selenium.

`make test` installs both when missing. Outside CI a machine without them skips the browser
tests with the reason; under CI (CI set) they fail instead, so a missing install cannot pass.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest

CHROMIUM = os.environ.get("SMSC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SMSC_CHROMEDRIVER", "/usr/bin/chromedriver")
PHONE_SIZE = (390, 844)  # CSS pixels of a common phone
T = TypeVar("T")


def _missing() -> str | None:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"{path} not found: apt-get install {package} (make test does)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed: pip install -e '.[dev]'"
    return None


@contextmanager
def chromium(width: int = PHONE_SIZE[0], height: int = PHONE_SIZE[1]) -> Iterator[Any]:
    """A headless Chromium WebDriver with an empty profile, closed and its profile removed on exit."""
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="smsc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)  # windows have a minimum width
    driver.set_page_load_timeout(15)
    driver.set_script_timeout(10)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: Any, condition: Callable[[Any], T], timeout: float = 10.0, what: str = "the page") -> T:
    """Poll `condition(driver)` until it gives a true value; fails with `what` after `timeout` seconds."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    def attempt(d: Any) -> T | bool:
        try:
            return condition(d)
        except StaleElementReferenceException:  # the live view swapped the element out
            return False

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(attempt)  # type: ignore[return-value]
    except TimeoutException:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None
