"""Studio fixtures: a live server on 127.0.0.1, headless Chromium through Selenium (both from
``tests.support.browser``, shared with the console's tests), a real SMTP server whose inbox the
test reads, a real Celery worker for the tests that watch a job wait and run, and the folder
screenshots are kept in (a test artifact)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimg_site.celery import app as celery_app
from aimg_site.core.selectors import domain_get
from generation.catalog import catalog_load
from tests.support.browser import (
    artifacts_dir,
    chromium_driver,
    full_page_screenshot,
    require_browser,
    start_live_server,
    stop_live_server,
)
from tests.support.smtp import SmtpServer
from tests.support.workers import WorkerProcess


@pytest.fixture(scope="session")
def studio_server(worker_id, django_db_blocker):
    """pytest-django's live server on 127.0.0.1 and a port of ``AIMG_TEST_PORTS``, for the whole
    session (the tests are skipped first when there is no browser, see ``require_browser``)."""
    require_browser()
    with django_db_blocker.unblock():
        server = start_live_server(worker_id)
    yield server
    stop_live_server(server)


@pytest.fixture
def studio(settings, studio_server, transactional_db):
    """The studio switched on (DEBUG stays off, as under gunicorn), the catalog loaded; its URL."""
    settings.AIMG_STUDIO = True
    for name in ("freejourney.ai", "sexy.ai"):
        catalog_load(domain=domain_get(name))
    return studio_server.url


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on 127.0.0.1 (``tests.support.smtp``); the site's mail goes to it over the
    wire. Its ``port`` is for a worker process (``EMAIL_URL=smtp://127.0.0.1:<port>``)."""
    with SmtpServer() as server:
        server.start()
        server.point_django_at(settings)
        yield server


@pytest.fixture
def browser():
    driver = chromium_driver(1280, 1000)
    yield driver
    driver.quit()


@pytest.fixture
def phone():
    driver = chromium_driver(390, 844, mobile=True)
    yield driver
    driver.quit()


@pytest.fixture
def screenshot():
    """``screenshot(driver, name)`` keeps a PNG of the whole page under var/test-artifacts/studio/."""

    def take(driver, name: str) -> Path:
        return full_page_screenshot(driver, artifacts_dir("studio") / f"{name}.png")

    return take


@pytest.fixture
def start_worker():
    """Jobs go to Celery instead of running inline, from the start of the test; ``start_worker(**env)``
    starts a real ``celery worker`` process (one task at a time unless ``concurrency``: one job at a
    time, as a GPU would) on the test database
    and this test process's queue. Until then, every job stays queued. Stopped, and eager Celery
    back, after the test."""
    celery_app.conf.task_always_eager = False
    workers: list[WorkerProcess] = []

    def start(concurrency: int = 1, **env: str) -> WorkerProcess:
        worker = WorkerProcess(f"studio{len(workers)}", concurrency=concurrency, env=env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    celery_app.conf.task_always_eager = True
