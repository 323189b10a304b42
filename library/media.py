"""Where item media live and how clients fetch them.

Media are stored through Django's default storage (local files under
``MEDIA_ROOT``, or S3 via django-storages) under random names
(``library.models.item_media_name``). ``item_url`` gives the absolute URL a
client (or Civitai) fetches: the storage's own URL on S3, otherwise this
service's ``media/<name>`` route (``media_serve``), which answers with the
real Content-Type, ``Access-Control-Allow-Origin: *`` and a long cache
lifetime (names never change content).
"""

from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from django.views.decorators.http import require_safe

#: Used when neither ``AIMG_PUBLIC_BASE_URL`` nor a request is at hand (the dev server's address).
FALLBACK_BASE_URL = "http://127.0.0.1:8000"
CACHE_SECONDS = 365 * 24 * 3600


def storage_is_local() -> bool:
    return isinstance(default_storage, FileSystemStorage)


def public_base_url(request=None) -> str:
    """``AIMG_PUBLIC_BASE_URL`` when set, else the request's scheme and host."""
    base = getattr(settings, "AIMG_PUBLIC_BASE_URL", "") or ""
    if base:
        return base.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return FALLBACK_BASE_URL


def media_url(name: str, request=None) -> str:
    """The absolute, fetchable URL of a stored file."""
    if not name:
        return ""
    if storage_is_local():
        return public_base_url(request) + reverse("library-media", kwargs={"name": name})
    url = default_storage.url(name)
    if url.startswith("/"):
        url = public_base_url(request) + url
    return url


def media_url_builder(request=None) -> Callable[[str], str]:
    """A function name -> absolute URL, with the per-request work (base URL, route) done once.

    Serializers of long listings use it instead of calling ``media_url`` per row.
    """
    if storage_is_local():
        prefix = public_base_url(request) + reverse("library-media", kwargs={"name": "x"})[:-1]
        return lambda name: prefix + quote(name) if name else ""
    return lambda name: media_url(name, request)


def item_url(item, request=None) -> str:
    """The absolute, fetchable URL of an item's media."""
    return media_url(item.media.name if item.media else "", request)


@require_safe
def media_serve(request, name: str):
    """Serve a locally stored media file (only the local storage is routed here)."""
    if not storage_is_local():
        raise Http404("Media are served by the object store.")
    name = posixpath.normpath(name).lstrip("/")
    if name.startswith("..") or not name.startswith("items/"):
        raise Http404("No such media.")
    try:
        path = default_storage.path(name)
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except (OSError, SuspiciousFileOperation):
        raise Http404("No such media.") from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
