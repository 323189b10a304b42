"""Where item media live and how clients fetch them.

Media are stored through Django's default storage (local files under
``MEDIA_ROOT``, or S3 via django-storages) under random names
(``library.models.item_media_name``). ``item_url`` gives the absolute URL a
client (or Civitai) fetches, decided by the item's state (issue 13):

* a *publicly visible* item (approved, public, live, in a public folder) has a
  plain URL, cacheable by anyone for ``AIMG_MEDIA_PUBLIC_MAX_AGE`` seconds;
* any other item (private, pending, rejected, deleted, in a private folder) has
  a signed URL that expires (``AIMG_MEDIA_SIGNED_URL_SECONDS``), answered with
  ``Cache-Control: private``.

Locally, this service's ``media/<name>`` route (``media_serve``) checks
either the signature or, for a plain URL, that the item is publicly visible
*now*: rejecting, deleting or making an item private takes its plain URL down
at once. On S3 the same rule goes through the object store's own presigned
URLs (``S3Storage.url(expire=..., parameters={"ResponseCacheControl": ...})``):
the bucket itself is private and every URL is signed, publicly visible items'
for longer and with public caching. The route answers the real Content-Type,
``Access-Control-Allow-Origin: *`` and single byte ranges (206/416, so videos
can be sought).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import mimetypes
import os
import posixpath
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_safe

from aimg_site.api.exceptions import error_response
from aimg_site.core.ranges import UNSATISFIABLE, parse_single_range
from library.models import ApprovalStatus, Item

#: Used when neither ``AIMG_PUBLIC_BASE_URL`` nor a request is at hand (the dev server's address).
FALLBACK_BASE_URL = "http://127.0.0.1:8000"
_SIGNATURE_SALT = "library.items.media"


def public_max_age() -> int:
    """Seconds anyone (browsers, CDNs) may cache a publicly visible item's media."""
    return int(getattr(settings, "AIMG_MEDIA_PUBLIC_MAX_AGE", 3600))


def signed_url_seconds() -> int:
    """How long a signed URL (media of an item that is not publicly visible) works."""
    return int(getattr(settings, "AIMG_MEDIA_SIGNED_URL_SECONDS", 3600))


def public_url_seconds() -> int:
    """On S3, how long the signed URL of a publicly visible item works (SigV4 allows 7 days)."""
    return int(getattr(settings, "AIMG_MEDIA_PUBLIC_URL_SECONDS", 24 * 3600))


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
    # ``DomainMiddleware`` keeps the Host it validated; anything else (a request built by hand) asks.
    host = getattr(request, "validated_host", None) or request.get_host()
    domain = getattr(request, "domain", None)
    if domain is None:
        return _base_for_host(host.lower(), request.scheme, None, None)
    return _base_for_host(host.lower(), request.scheme, domain.name, domain.environment)


@lru_cache(maxsize=256)
def _base_for_host(host: str, scheme: str, domain_name: str | None, environment: str | None) -> str:
    """``public_base_url``'s rule for a validated Host: a pure function of its arguments, kept for the
    hosts seen most (a flood of forged subdomains under a wildcard ``ALLOWED_HOSTS`` only evicts)."""
    hostname = host if host.startswith("[") else host.rsplit(":", 1)[0]
    if hostname in _LOOPBACK_HOSTS or domain_name is None:
        return f"{scheme}://{host}" if hostname in _LOOPBACK_HOSTS else FALLBACK_BASE_URL
    if hostname in {prefix + domain_name for prefix in _API_HOST_PREFIXES}:
        return f"{scheme}://{host}"
    prefix = "staging-api." if environment == "staging" else "api."
    return f"https://{prefix}{domain_name}"


def item_media_is_public(item) -> bool:
    """Whether ``item``'s media may have a plain, publicly cacheable URL (it is publicly visible).

    Reads ``item.folder`` only for an item that is otherwise public (listings
    select it with the item).
    """
    if (
        item.deleted_at is not None
        or not item.is_public
        or item.public_approval_status != ApprovalStatus.APPROVED
    ):
        return False
    return item.folder_id is not None and item.folder.is_public


def _signature(name: str, expires: int) -> str:
    return salted_hmac(_SIGNATURE_SALT, f"{name}\n{expires}", algorithm="sha256").hexdigest()[:40]


def signed_expiry(now: float | None = None) -> int:
    """The expiry (epoch seconds) of a signed URL made now: ``signed_url_seconds()`` ahead, rounded up
    to a quarter of it, so a URL stays the same (and cacheable) for a while."""
    lifetime = max(signed_url_seconds(), 60)
    step = max(lifetime // 4, 1)
    at = int(now if now is not None else time.time()) + lifetime
    return -(-at // step) * step


def signed_query(name: str, expires: int | None = None) -> str:
    """``?expires=…&signature=…`` for the local media route."""
    expires = signed_expiry() if expires is None else expires
    return f"?expires={expires}&signature={_signature(name, expires)}"


def signature_valid(name: str, expires: str, signature: str) -> bool | None:
    """``True`` for a valid, live signature; ``False`` for a valid one past its expiry; ``None`` otherwise."""
    if not expires.isdigit() or len(expires) > 12 or not signature:
        return None
    if not hmac.compare_digest(_signature(name, int(expires)), signature):
        return None
    return int(expires) > time.time()


@lru_cache(maxsize=8)
def _s3_signer(options_json: str):
    """An S3 storage like the default one that always signs and never uses the custom domain."""
    from storages.backends.s3 import S3Storage

    options = json.loads(options_json)
    options.update(custom_domain=None, querystring_auth=True)
    return S3Storage(**options)


def _s3_url(name: str, *, public: bool, request=None) -> str:
    storage: Any
    if public:
        seconds, cache = public_url_seconds(), f"public, max-age={public_max_age()}"
        storage = default_storage
    else:
        seconds, cache = signed_url_seconds(), f"private, max-age={signed_url_seconds()}"
        default: Any = settings.STORAGES["default"]
        options: dict = default.get("OPTIONS", {})
        storage = _s3_signer(json.dumps(options, sort_keys=True, default=str))
    signs = getattr(storage, "querystring_auth", True) and (
        not getattr(storage, "custom_domain", None) or getattr(storage, "cloudfront_signer", None)
    )
    if not signs:
        url = storage.url(name)  # unsigned (configured so for public media): the bucket's or CDN's caching
    else:
        url = storage.url(name, parameters={"ResponseCacheControl": cache}, expire=seconds)
    if url.startswith("/"):
        url = public_base_url(request) + url
    return url


def media_url(name: str, request=None, *, public: bool = False) -> str:
    """The absolute, fetchable URL of a stored file: plain when ``public``, else signed and expiring."""
    if not name:
        return ""
    if storage_is_local():
        url = public_base_url(request) + reverse("library-media", kwargs={"name": name})
        return url if public else url + signed_query(name)
    return _s3_url(name, public=public, request=request)


@lru_cache(maxsize=8)
def _signing_key(secret: str) -> bytes:
    # What ``salted_hmac(_SIGNATURE_SALT, ..., secret=secret, algorithm="sha256")`` keys its HMAC with.
    return hashlib.sha256((_SIGNATURE_SALT + secret).encode()).digest()


@lru_cache(maxsize=16384)
def _quoted_signed(name: str, expires: int, key: bytes) -> tuple[str, str]:
    """``(quote(name), signed_query(name, expires))``: a pure function of its arguments, kept for the
    media names listed most (a URL stays the same for a quarter of its lifetime, see ``signed_expiry``)."""
    signature = hmac.new(key, f"{name}\n{expires}".encode(), hashlib.sha256).hexdigest()[:40]
    return quote(name), f"?expires={expires}&signature={signature}"


@lru_cache(maxsize=8)
def _media_route_prefix(script_prefix: str, urlconf) -> str:
    """The local media route up to the name (``/media/``): ``reverse`` of a fixed route, kept per script
    prefix and URLconf (both of which ``reverse`` reads)."""
    return reverse("library-media", kwargs={"name": "x"}, urlconf=urlconf)[:-1]


def media_name_url_builder(request=None) -> Callable[[str, bool], str]:
    """A function (media name, publicly visible) -> absolute URL, with the per-request work (base URL,
    route, signing key) done once: ``media_url(name, request, public=...)`` for many names."""
    if storage_is_local():
        prefix = public_base_url(request) + _media_route_prefix(get_script_prefix(), get_urlconf())
        expires, key = signed_expiry(), _signing_key(settings.SECRET_KEY)

        def local(name: str, public: bool) -> str:
            if not name:
                return ""
            quoted, query = _quoted_signed(name, expires, key)
            return prefix + quoted if public else prefix + quoted + query

        return local
    return lambda name, public: media_url(name, request, public=public)


def media_url_builder(request=None) -> Callable[..., str]:
    """A function item -> absolute URL, with the per-request work (base URL, route) done once.

    Serializers of long listings use it instead of calling ``item_url`` per row.
    """
    if storage_is_local():
        by_name = media_name_url_builder(request)

        def local(item) -> str:
            name = item.media.name if item.media else ""
            return by_name(name, item_media_is_public(item)) if name else ""

        return local
    return lambda item: item_url(item, request)


def item_url(item, request=None) -> str:
    """The absolute, fetchable URL of an item's media (signed unless the item is publicly visible)."""
    return media_url(item.media.name if item.media else "", request, public=item_media_is_public(item))


CHUNK = 64 * 1024


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


def _media_access(request, name: str) -> str | HttpResponse:
    """The Cache-Control to send when ``request`` may read ``name``, else the refusal to send."""
    expires = request.GET.get("expires", "")
    signature = request.GET.get("signature", "")
    if expires or signature:
        valid = signature_valid(name, expires, signature)
        if valid is None:
            return error_response("No such media.", 404)
        if valid is False:
            return error_response("This media link has expired; ask for the item again.", 403)
        seconds = max(int(expires) - int(time.time()), 0)
        return f"private, max-age={min(seconds, signed_url_seconds())}"
    item = Item.all_domains.select_related("folder").filter(media=name).order_by().first()
    if item is None or not item_media_is_public(item):
        # Private, pending, rejected, deleted or unknown: the same 404, cached by nobody.
        return error_response("No such media.", 404)
    return f"public, max-age={public_max_age()}"


@require_safe
def media_serve(request, name: str):
    """Serve a locally stored media file (only the local storage is routed here).

    A plain URL serves the media of a publicly visible item only (checked on
    every request); a signed one (``expires``, ``signature``) serves any item's
    until it expires.
    """
    # Envelopes rather than Http404, which DEBUG would turn into an HTML page.
    if not storage_is_local():
        return error_response("Media are served by the object store.", 404)
    name = posixpath.normpath(name).lstrip("/")
    if name.startswith("..") or not name.startswith("items/") or "\x00" in name:
        return error_response("No such media.", 404)
    access = _media_access(request, name)
    if isinstance(access, HttpResponseBase):
        access["Cache-Control"] = "no-store"
        return access
    cache_control = access
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
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
