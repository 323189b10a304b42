"""The studio page: a small front end that drives the public API from a browser.

It is a template and three static files. The page talks to the API it is served
by (same origin) through the documented endpoints only; nothing here reads the
database or is an endpoint for the studio alone.

It is served when ``DEBUG`` is on or ``AIMG_STUDIO`` is true; otherwise ``/`` and
its files are the API's 404 envelope, as before. Its files are served by
``runserver``'s static handler under ``make run`` (DEBUG) and by ``studio_asset``
otherwise, so the page works under gunicorn with no static file server (one in
front, at ``STATIC_URL``, takes over after ``collectstatic``).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve

from aimg_site.api.exceptions import MethodNotAllowed, error_json_response
from aimg_site.api.handlers import unknown_path

STATIC_DIR = Path(__file__).resolve().parent / "static" / "studio"
#: The route of the studio's files under STATIC_URL (what ``{% static %}`` makes of them).
ASSET_ROUTE = r"^static/studio/(?P<path>.+)$"
ASSETS = ("studio.css", "studio.js", "api.js")
SAFE_METHODS = ("GET", "HEAD")

#: The page runs its own scripts and styles only; media may come from another origin (S3, a CDN);
#: profile pictures are data URIs; it calls the API of its own origin.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob: http: https:",
        "media-src 'self' blob: http: https:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def studio_enabled() -> bool:
    return bool(settings.DEBUG or getattr(settings, "AIMG_STUDIO", False))


def _file_version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


@cache
def _cached_version(name: str) -> str:
    return _file_version(name)


def asset_versions() -> dict[str, str]:
    """A short digest of each file, added to its URL so a browser never runs a stale copy."""
    version = _file_version if settings.DEBUG else _cached_version
    return {name.replace(".", "_"): version(name) for name in ASSETS}


def _not_allowed(request) -> HttpResponse:
    return error_json_response(MethodNotAllowed(request.method, allowed=SAFE_METHODS))


@csrf_exempt
def studio_page(request):
    if not studio_enabled():
        return unknown_path(request)
    if request.method not in SAFE_METHODS:
        return _not_allowed(request)
    response = render(request, "studio/index.html", {"versions": asset_versions()})
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["Cache-Control"] = "no-cache"
    return response


@csrf_exempt
def studio_asset(request, path: str):
    """One of the studio's files; nothing outside its folder (a 404 envelope, like any unknown path)."""
    if not studio_enabled() or any(part in ("", ".", "..") for part in path.split("/")):
        return unknown_path(request)
    if request.method not in SAFE_METHODS:
        return _not_allowed(request)
    try:
        response = serve(request, path, document_root=str(STATIC_DIR))
    except Http404:
        return unknown_path(request)
    # URLs carry the file's digest (``?v=``), so a cached copy is the right one for a day.
    response["Cache-Control"] = "public, max-age=86400"
    return response
