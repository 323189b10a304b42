"""Studio fixtures: a live server on 127.0.0.1, headless Chromium through Selenium, a real SMTP
server whose inbox the test reads, and the folder screenshots are kept in (a test artifact)."""

from __future__ import annotations

import base64
import email
import os
import shutil
import socket
import time
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pytest_django.live_server_helper import LiveServer

from aimg_site.core.selectors import domain_get
from generation.catalog import catalog_load

ROOT = Path(__file__).resolve().parents[2]
#: Screenshots of each screen, kept after the run (var/ is git-ignored; CI may collect it).
ARTIFACTS = Path(os.environ.get("AIMG_STUDIO_ARTIFACTS", ROOT / "var" / "artifacts" / "studio"))


def _binary(variable: str, *names: str) -> str | None:
    if os.environ.get(variable):
        return os.environ[variable]
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _binary("AIMG_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = _binary("AIMG_CHROMEDRIVER", "chromedriver")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, bound to 127.0.0.1 (its default is ``localhost``) on a port the
    kernel hands out."""
    server = LiveServer(f"127.0.0.1:{_free_port()}")
    yield server
    server.stop()


@pytest.fixture
def studio(settings, live_server):
    """The studio switched on (DEBUG stays off, as under gunicorn), the catalog loaded; its URL."""
    settings.AIMG_STUDIO = True
    for name in ("freejourney.ai", "sexy.ai"):
        catalog_load(domain=domain_get(name))
    return live_server.url


class Inbox:
    """What the SMTP server received, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, recipient: str, timeout: float = 20) -> email.message.EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages):
                if recipient in message["To"]:
                    return message
            time.sleep(0.1)
        raise AssertionError(f"No email to {recipient} within {timeout} s")


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on 127.0.0.1; the site's mail goes to it over the wire."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield inbox
    controller.stop()


def _chrome(width: int, height: int, mobile: bool = False):
    if not (CHROMIUM and CHROMEDRIVER):
        message = "Chromium and chromedriver are needed (apt-get install chromium chromium-driver)"
        if os.environ.get("AIMG_REQUIRE_BROWSER_TESTS"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
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
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browser():
    driver = _chrome(1280, 1000)
    yield driver
    driver.quit()


@pytest.fixture
def phone():
    driver = _chrome(390, 844, mobile=True)
    yield driver
    driver.quit()


@pytest.fixture
def screenshot():
    """``screenshot(driver, name)`` keeps a PNG of the whole page under ARTIFACTS."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(driver, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        width, height = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        # The whole page, not just the window (Chromium's DevTools protocol; the page's own
        # viewport is left alone, so nothing on it reflows).
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 6000), "scale": 1},
            },
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        assert path.stat().st_size > 1000
        return path

    return take
