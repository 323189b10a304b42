"""Where item media live and how clients fetch them.

Media are stored through Django's default storage (local files under
``MEDIA_ROOT``, or S3 via django-storages) under random names
(``library.models.item_media_name``). ``item_url`` gives the absolute URL a
client (or Civitai) fetches: the storage's own URL on S3, otherwise this
service's ``media/<name>`` route (``media_serve``), which answers with the
real Content-Type, ``Access-Control-Allow-Origin: *``, a long cache
lifetime (names never change content) and single byte ranges (206/416, so
videos can be sought).
"""

from __future__ import annotations

import mimetypes
import os
import posixpath
import re
from collections.abc import Callable, Iterator
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from aimg_site.api.exceptions import error_response

#: Used when neither ``AIMG_PUBLIC_BASE_URL`` nor a request is at hand (the dev server's address).
FALLBACK_BASE_URL = "http://127.0.0.1:8000"
CACHE_SECONDS = 365 * 24 * 3600


def storage_is_local() -> bool:
    return isinstance(default_storage, FileSystemStorage)


#: Hosts of a developer's own machine, kept as they come (the dev server and tests).
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "testserver", "[::1]"})
_API_HOST_PREFIXES = ("api.", "staging-api.")


def public_base_url(request=None) -> str:
    """``AIMG_PUBLIC_BASE_URL`` when set, else the base of the request's domain.

    The request's Host is used only when it is one of its domain's own API hosts
    (``api.<name>``, ``staging-api.<name>``) or a loopback host; any other Host
    (a forged one, under a wildcard ``ALLOWED_HOSTS``) gives the domain row's
    ``https://api.<name>``, so a caller cannot choose where URLs point.
    """
    base = getattr(settings, "AIMG_PUBLIC_BASE_URL", "") or ""
    if base:
        return base.rstrip("/")
    if request is None:
        return FALLBACK_BASE_URL
    host = request.get_host().lower()
    hostname = host if host.startswith("[") else host.rsplit(":", 1)[0]
    domain = getattr(request, "domain", None)
    if hostname in _LOOPBACK_HOSTS or domain is None:
        return f"{request.scheme}://{host}" if hostname in _LOOPBACK_HOSTS else FALLBACK_BASE_URL
    if hostname in {prefix + domain.name for prefix in _API_HOST_PREFIXES}:
        return f"{request.scheme}://{host}"
    prefix = "staging-api." if domain.environment == "staging" else "api."
    return f"https://{prefix}{domain.name}"


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


#: ``parse_single_range``'s answer for a range that does not overlap the file (a 416).
UNSATISFIABLE = (-1, -1)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024
#: Byte positions longer than this are read as "past any file" rather than parsed:
#: ``int()`` refuses strings over 4,300 digits, and no file has a 19-digit size.
MAX_POSITION_DIGITS = 18
#: Stands for a position too long to parse; larger than any file.
_BEYOND_ANY_FILE = 10**MAX_POSITION_DIGITS


def _position(text: str) -> int:
    text = text.lstrip("0") or "0"
    return _BEYOND_ANY_FILE if len(text) > MAX_POSITION_DIGITS else int(text)


def parse_single_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte span a ``Range`` header asks of a ``size``-byte file.

    RFC 9110: ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n`` (the last n bytes);
    ``last`` is clipped to the file. ``None`` means "send the whole file" (no
    header, a malformed one, or several ranges, which servers may ignore);
    ``UNSATISFIABLE`` means no byte of the file is in the range. Positions of any
    length are accepted; those past ``MAX_POSITION_DIGITS`` count as past the end.
    """
    match = _RANGE.match(header.strip().replace(" ", "")) if header else None
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text:
            return None
        suffix = _position(last_text)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(size - suffix, 0), size - 1
    first = _position(first_text)
    if last_text and _position(last_text) < first:
        return None  # syntactically invalid: ignored (RFC 9110 14.1.1)
    if first >= size:
        return UNSATISFIABLE
    last = min(_position(last_text), size - 1) if last_text else size - 1
    return first, last


def _read_span(handle, length: int) -> Iterator[bytes]:
    try:
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


@require_safe
def media_serve(request, name: str):
    """Serve a locally stored media file (only the local storage is routed here)."""
    # Envelopes rather than Http404, which DEBUG would turn into an HTML page.
    if not storage_is_local():
        return error_response("Media are served by the object store.", 404)
    name = posixpath.normpath(name).lstrip("/")
    if name.startswith("..") or not name.startswith("items/") or "\x00" in name:
        return error_response("No such media.", 404)
    try:
        path = default_storage.path(name)
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except (OSError, ValueError, SuspiciousFileOperation):  # ValueError: a NUL byte in the path
        return error_response("No such media.", 404)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    size = os.fstat(handle.fileno()).st_size
    byte_range = parse_single_range(request.headers.get("Range", ""), size)
    response: HttpResponseBase
    if byte_range is UNSATISFIABLE:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif byte_range is None:
        response = FileResponse(handle, content_type=content_type)
    else:
        start, end = byte_range
        handle.seek(start)
        response = StreamingHttpResponse(
            _read_span(handle, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Accept-Ranges, Content-Length, Content-Range"
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
