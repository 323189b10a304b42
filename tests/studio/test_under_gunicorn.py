"""The studio under the production server: ``gunicorn aimg_site.wsgi`` with AIMG_STUDIO=true and no
static file server in front serves the page and every file it loads."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import gunicorn_running, production_environment

ROOT = Path(__file__).resolve().parents[2]


def _get(port: int, target: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", target, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _environment(work: Path, studio: str) -> dict[str, str]:
    return production_environment(work, AIMG_STUDIO=studio)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two gunicorns: one with AIMG_STUDIO=true, one with it off (the production default)."""
    work = tmp_path_factory.mktemp("studio-gunicorn")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=_environment(work, "false"),
        check=True,
        timeout=120,
    )
    with (
        gunicorn_running(_environment(work, "true"), work / "gunicorn-true.log") as on,
        gunicorn_running(_environment(work, "false"), work / "gunicorn-false.log") as off,
    ):
        yield {"on": on, "off": off}


def test_with_aimg_studio_gunicorn_serves_the_page_and_its_files(servers):
    status, headers, body = _get(servers["on"], "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="(/static/studio/[^"]+)"', body.decode())
    assert len(assets) == 3
    for asset in assets:
        status, headers, content = _get(servers["on"], asset)
        assert status == 200, asset
        assert headers["content-type"].split(";")[0] in (
            "text/javascript",
            "application/javascript",
            "text/css",
        )
        assert content


def test_without_it_gunicorn_answers_the_apis_404_envelope(servers):
    for target in ("/", "/static/studio/studio.js"):
        status, headers, body = _get(servers["off"], target)
        assert status == 404 and headers["content-type"].startswith("application/json"), target
        assert b'"hasError":true' in body
