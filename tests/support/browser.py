"""A real browser for the browser tests (the moderators' console and the studio page): Debian's
headless Chromium driven by Selenium through the system ``chromedriver`` (same version as the
browser, nothing downloaded), against a live server on 127.0.0.1.

``AIMG_CHROMIUM``/``AIMG_CHROMEDRIVER`` name the binaries (default: the first of ``chromium``,
``chromium-browser``, ``google-chrome`` and ``chromedriver`` on the ``PATH``).

The live server takes the first free port of ``AIMG_TEST_PORTS`` (default ``18500-18599``),
starting at an offset per pytest-xdist process. Screenshots go to ``AIMG_TEST_ARTIFACTS``
(default ``var/test-artifacts``)/<suite>/.

Without the browser installed the tests are skipped, except when ``AIMG_REQUIRE_BROWSER_TESTS`` is
set (``.ci/run`` sets it), where a missing browser is a failure: ``.ci/run`` installs ``chromium``
and ``chromium-driver``.
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings


def _binary(variable: str, *names: str) -> str | None:
    """``$variable`` when set (a path or a name on the PATH), else the first of ``names`` found."""
    for name in [os.environ[variable]] if os.environ.get(variable) else names:
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _binary("AIMG_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = _binary("AIMG_CHROMEDRIVER", "chromedriver")


def browser_available() -> bool:
    return bool(CHROMIUM and CHROMEDRIVER)


def require_browser() -> None:
    """Skip the test without Chromium and chromedriver; fail it under ``AIMG_REQUIRE_BROWSER_TESTS``."""
    if browser_available():
        return
    message = "needs Chromium and chromedriver (apt-get install chromium chromium-driver)"
    if os.environ.get("AIMG_REQUIRE_BROWSER_TESTS"):  # set by .ci/run
        pytest.fail(message)
    pytest.skip(message)


def artifacts_dir(suite: str = "console") -> Path:
    base = Path(os.environ.get("AIMG_TEST_ARTIFACTS") or Path(settings.BASE_DIR) / "var" / "test-artifacts")
    path = base / suite
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ports(worker_id: str) -> list[int]:
    first, _, last = os.environ.get("AIMG_TEST_PORTS", "18500-18599").partition("-")
    ports = list(range(int(first), int(last or first) + 1))
    offset = int(worker_id[2:]) * 10 if worker_id.startswith("gw") and worker_id[2:].isdigit() else 0
    offset %= len(ports)
    return ports[offset:] + ports[:offset]


def start_live_server(worker_id: str):
    """A started ``pytest_django`` LiveServer on 127.0.0.1 and a free port of the range."""
    from pytest_django.live_server_helper import LiveServer

    last_error: Exception | None = None
    for port in _ports(worker_id):
        try:
            server = LiveServer(f"127.0.0.1:{port}")
        except OSError as exc:  # the port is taken: try the next one
            last_error = exc
            continue
        server._live_server_modified_settings.enable()
        return server
    raise RuntimeError(f"no free port for the live server: {last_error}")


def stop_live_server(server) -> None:
    server._live_server_modified_settings.disable()
    server.stop()


def chromium_driver(width: int = 1400, height: int = 1000, *, mobile: bool = False):
    """A headless Chromium window of ``width`` x ``height`` (a phone's, with touch and a device
    pixel ratio of 2, when ``mobile``); its console messages are kept for ``get_log("browser")``.
    Skips or fails the test first when there is no browser (``require_browser``)."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM and CHROMEDRIVER  # require_browser() above
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        "--disable-background-networking",
        "--no-first-run",
        f"--window-size={width},{height}",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    if mobile:
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2}}
        )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager never tries to download one.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.implicitly_wait(0)
    return driver


def full_page_screenshot(driver, path: Path, *, max_height: int = 6000) -> Path:
    """A PNG of the whole page, not just the window (Chromium's DevTools protocol; the page's own
    viewport is left alone, so nothing on it reflows)."""
    width, height = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, max_height), "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    assert path.stat().st_size > 1000, path
    return path
