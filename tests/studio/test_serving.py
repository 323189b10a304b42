"""Where the studio page is served: at ``/`` with DEBUG or AIMG_STUDIO, else the API's 404 envelope."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from aimg_site.studio.views import ASSETS, CONTENT_SECURITY_POLICY


@pytest.fixture
def client_127():
    return Client(HTTP_HOST="127.0.0.1")


def _envelope(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["hasError"] is True and body["payload"] is None
    return body


def test_off_by_default_the_root_stays_the_apis_404_envelope(settings, client_127):
    settings.DEBUG = False
    settings.AIMG_STUDIO = False
    body = _envelope(client_127.get("/"), 404)
    assert "/api/docs/" in body["errorMessage"]
    for name in ASSETS:
        _envelope(client_127.get(f"/static/studio/{name}"), 404)


def test_aimg_studio_serves_the_page_with_its_own_scripts_only(settings, client_127):
    settings.DEBUG = False
    settings.AIMG_STUDIO = True
    response = client_127.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    html = response.content.decode()
    # No CDN, no inline script: every script and stylesheet is one of the studio's files.
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/[^"]*)"', html)
    assert set(re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)) - set(sources) == {"data:,"}
    assert sorted(re.sub(r"\?v=[0-9a-f]{12}$", "", s) for s in sources) == sorted(
        f"/static/studio/{name}" for name in ASSETS
    )
    assert "<script>" not in html and not re.search(r"\son[a-z]+=", html)


def test_debug_alone_serves_it_as_make_run_does(settings, client_127):
    settings.DEBUG = True
    settings.AIMG_STUDIO = False
    assert client_127.get("/").status_code == 200


def test_its_files_are_served_without_a_static_file_server(settings, client_127):
    """Under gunicorn (DEBUG off) the studio's own view serves them; their URL carries a digest."""
    settings.DEBUG = False
    settings.AIMG_STUDIO = True
    html = client_127.get("/").content.decode()
    for name, kind in (("studio.js", "javascript"), ("api.js", "javascript"), ("studio.css", "text/css")):
        url = re.search(rf'"(/static/studio/{re.escape(name)}\?v=[0-9a-f]{{12}})"', html).group(1)
        response = client_127.get(url)
        assert response.status_code == 200, url
        assert kind in response["Content-Type"]
        assert response["Cache-Control"] == "public, max-age=86400"
        assert b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "path", ["/static/studio/missing.js", "/static/studio/../views.py", "/static/studio/%2e%2e/views.py"]
)
def test_nothing_outside_its_folder_is_served(settings, client_127, path):
    settings.AIMG_STUDIO = True
    _envelope(client_127.get(path), 404)


def test_other_methods_get_the_apis_405_envelope(settings, client_127):
    settings.AIMG_STUDIO = True
    body = _envelope(client_127.post("/", "{}", content_type="application/json"), 405)
    assert "Use GET" in body["errorMessage"]


def test_the_setting_comes_from_the_environment():
    from aimg_site import settings as project_settings

    assert project_settings.AIMG_STUDIO is False  # the suite's environment does not set it
    assert "aimg_site.studio" in project_settings.INSTALLED_APPS
