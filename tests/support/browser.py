"""A real browser for console tests: Debian's headless Chromium driven by Selenium through the
system ``chromedriver`` (same version as the browser, nothing downloaded), against a live server
on 127.0.0.1.

The live server takes the first free port of ``AIMG_TEST_PORTS`` (default ``18500-18599``),
starting at an offset per pytest-xdist process. Screenshots go to ``AIMG_TEST_ARTIFACTS``
(default ``var/test-artifacts``)/console/.

Without the browser installed the tests are skipped, except when ``AIMG_REQUIRE_BROWSER_TESTS`` is set (``.ci/run`` sets it), where a
missing browser is a failure: ``.ci/run`` installs ``chromium`` and ``chromium-driver``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("AIMG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("AIMG_CHROMEDRIVER", "/usr/bin/chromedriver")


def browser_available() -> bool:
    return bool(shutil.which(CHROMIUM)) and bool(shutil.which(CHROMEDRIVER))


def require_browser() -> None:
    if browser_available():
        return
    message = f"needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
    if os.environ.get("AIMG_REQUIRE_BROWSER_TESTS"):  # set by .ci/run
        pytest.fail(message)
    pytest.skip(message)


def artifacts_dir() -> Path:
    base = Path(os.environ.get("AIMG_TEST_ARTIFACTS") or Path(settings.BASE_DIR) / "var" / "test-artifacts")
    path = base / "console"
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


def chromium_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which(CHROMIUM) or CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
        "--disable-extensions",
        "--no-first-run",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which(CHROMEDRIVER) or CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.implicitly_wait(0)
    return driver
