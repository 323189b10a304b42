"""Where a login may send the browser back to, and how the result travels.

Open redirects: ``redirectURL`` must point at the request domain's front end
(the host of ``Domain.frontend_url``, e.g. ``freejourney.ai``, or any of its
subdomains, over https) or at a host listed in ``AIMG_OAUTH_REDIRECT_HOSTS``
(for local development, e.g. ``localhost``; http allowed there). Anything else
is a 400 before the browser ever leaves for the provider.

The result is the response envelope as compact JSON, base64url-encoded
(RFC 4648 §5) **without padding**, in the query parameter ``b`` of
``redirectURL``: ``https://freejourney.ai/auth?b=eyJoYXNFcnJvciI6ZmFsc2Us...``.
"""

from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from rest_framework.utils.encoders import JSONEncoder

from aimg_site.api.exceptions import error_body

REDIRECT_URL_MAX_LENGTH = 2000
RESULT_PARAMETER = "b"


def _extra_hosts() -> set[str]:
    hosts = getattr(settings, "AIMG_OAUTH_REDIRECT_HOSTS", ()) or ()
    if isinstance(hosts, str):
        hosts = hosts.split(",")
    return {host.strip().lower().rstrip(".") for host in hosts if host and host.strip()}


class RedirectNotAllowed(ValueError):
    """The URL may not receive a login result; the message says why (to follow "Parameter 'redirectURL'")."""


def redirect_url_validate(url, *, frontend_url: str) -> str:
    """``url`` (trimmed) if the front end of this domain may receive the login result, else ``RedirectNotAllowed``."""
    if not isinstance(url, str) or not url.strip():
        raise RedirectNotAllowed("is required")
    url = url.strip()
    if len(url) > REDIRECT_URL_MAX_LENGTH:
        raise RedirectNotAllowed(f"must be at most {REDIRECT_URL_MAX_LENGTH} characters long")
    # Browsers read "\" as "/" and drop tabs/newlines, which would let a URL look like one host here
    # and reach another there.
    if "\\" in url or any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise RedirectNotAllowed("must be a URL without spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
        hostname = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise RedirectNotAllowed("is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not hostname:
        raise RedirectNotAllowed("must be an absolute http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise RedirectNotAllowed("must not contain credentials")
    frontend_host = (urlsplit(frontend_url).hostname or "").lower().rstrip(".")
    is_frontend = bool(frontend_host) and (
        hostname == frontend_host or hostname.endswith("." + frontend_host)
    )
    if is_frontend and parts.scheme == "https":
        return url
    if hostname in _extra_hosts():
        return url
    if is_frontend:
        raise RedirectNotAllowed("must use https")
    raise RedirectNotAllowed(f"must be a page of {frontend_host or 'this site'}")


def envelope_encode(envelope: dict) -> str:
    """base64url (RFC 4648 §5, no padding) of the envelope's compact JSON."""
    raw = json.dumps(envelope, cls=JSONEncoder, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def envelope_decode(value: str) -> dict:
    """The inverse of ``envelope_encode`` (accepts padded input too)."""
    value = value.rstrip("=")
    return json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))


def url_with_result(url: str, envelope: dict) -> str:
    """``url`` with ``b`` set to the encoded envelope (an existing ``b`` is replaced)."""
    parts = urlsplit(url)
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key != RESULT_PARAMETER
    ]
    query.append((RESULT_PARAMETER, envelope_encode(envelope)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def redirect_with_result(
    url: str, envelope: dict, *, session_key: uuid.UUID | None = None
) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url_with_result(url, envelope))
    response["Cache-Control"] = "no-store"
    if session_key is not None:
        response["X-Session-ID"] = str(session_key)
    return response


def redirect_with_error(url: str, message: str, *, error_code: int | None = None) -> HttpResponseRedirect:
    return redirect_with_result(url, error_body(message, error_code))
