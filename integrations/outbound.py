"""The one outbound HTTP client of every integration, safe against server-side request forgery.

Any URL we fetch that a user can influence (an outside service's base URL, the presigned part
URLs it hands back) goes through ``OutboundClient``:

- **https only.** Plain http is refused, except to a loopback address when
  ``AIMG_OUTBOUND_ALLOW_LOOPBACK_HTTP`` is on (tests start their stand-ins on 127.0.0.1).
- **Public addresses only, checked on the connected socket.** The host is resolved once; every
  address it resolves to must be public (not private, loopback, link-local, multicast, reserved,
  shared or unspecified), the socket connects to one of exactly those addresses, and the peer
  address of the connected socket is checked again. A second DNS answer (rebinding) is never
  asked for, so it cannot slip a private address in between the check and the connection. TLS
  still verifies the certificate against the host name (SNI included).
- **No redirects** (a 3xx is an error), no proxies from the environment.
- **Caps**: connect and read timeouts, a total time for the whole answer, and a byte limit on the
  answer (its declared ``Content-Length`` and what is actually read, decompressed).

Built on requests/urllib3 (already dependencies): the address check lives in the connection class
that urllib3 asks for a socket, so it runs for every connection, pooled or new.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

logger = logging.getLogger("aimg.integrations.outbound")

Resolver = Callable[..., list]


class OutboundError(Exception):
    """An outbound request did not give an answer we may use (base of the others)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class OutboundBlocked(OutboundError):
    """Refused by policy before any byte was sent: scheme, address, malformed URL."""


class OutboundRedirect(OutboundError):
    """The server answered with a redirect, which is never followed."""

    def __init__(self, message: str, *, status: int, location: str):
        self.status = status
        self.location = location
        super().__init__(message)


class OutboundTooLarge(OutboundError):
    """The answer is larger than the byte cap."""


class OutboundUnavailable(OutboundError):
    """Network trouble: name resolution, connection, timeout, reset. Worth retrying."""


@dataclass
class OutboundResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    elapsed: float = 0.0

    def json(self) -> Any:
        """The body as JSON (``None`` when it is empty or not JSON)."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def address_is_public(address: str) -> bool:
    """True when ``address`` is a globally routable unicast address (IPv4-mapped IPv6 unwrapped)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not ip.is_multicast


def address_is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_loopback)


@dataclass
class _Guard:
    """What a connection may connect to; one per client and scheme."""

    resolver: Resolver
    loopback_only: bool  # plain http (tests): loopback addresses and nothing else
    allow_loopback: bool

    def allowed(self, address: str) -> bool:
        if self.loopback_only:
            return address_is_loopback(address)
        if address_is_loopback(address):
            return self.allow_loopback
        return address_is_public(address)

    def connect(self, conn: HTTPConnection) -> socket.socket:
        host, port = conn._dns_host, conn.port  # type: ignore[attr-defined]
        timeout = conn.timeout if isinstance(conn.timeout, int | float) else None
        try:
            infos = self.resolver(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise OutboundUnavailable(f"The host {host} could not be resolved.") from exc
        if not infos:
            raise OutboundUnavailable(f"The host {host} could not be resolved.")
        addresses = [info[4][0] for info in infos]
        refused = [a for a in addresses if not self.allowed(a)]
        if refused:
            raise OutboundBlocked(
                f"The host {host} resolves to an address that may not be reached ({refused[0]})."
            )
        last_error: OSError | None = None
        for family, kind, proto, _name, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            try:
                for option in conn.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(timeout)
                sock.connect(sockaddr)
                peer = sock.getpeername()[0]
                if not self.allowed(peer):
                    sock.close()
                    raise OutboundBlocked(f"The connection to {host} reached a refused address ({peer}).")
                return sock
            except TimeoutError as exc:
                sock.close()
                raise ConnectTimeoutError(conn, f"Connection to {host} timed out.") from exc
            except OSError as exc:
                sock.close()
                last_error = exc
        raise NewConnectionError(conn, f"Failed to establish a new connection: {last_error}")


def _adapter(guards: dict[str, _Guard]) -> HTTPAdapter:
    """A requests adapter whose pools make connections through ``guards`` (by scheme)."""

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return guards["http"].connect(self)

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return guards["https"].connect(self)

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}

    return GuardedAdapter(max_retries=0)


@dataclass
class OutboundClient:
    """Makes outbound requests under the rules of this module; safe to share within one thread.

    ``resolver`` (``socket.getaddrinfo``'s signature) is for tests; the caps default to the
    ``AIMG_OUTBOUND_*`` settings.
    """

    max_bytes: int | None = None
    connect_timeout: float | None = None
    read_timeout: float | None = None
    total_seconds: float | None = None
    resolver: Resolver = socket.getaddrinfo
    allow_loopback_http: bool | None = None
    _session: requests.Session = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_bytes is None:
            self.max_bytes = settings.AIMG_OUTBOUND_MAX_BYTES
        if self.connect_timeout is None:
            self.connect_timeout = settings.AIMG_OUTBOUND_CONNECT_SECONDS
        if self.read_timeout is None:
            self.read_timeout = settings.AIMG_OUTBOUND_READ_SECONDS
        if self.total_seconds is None:
            self.total_seconds = settings.AIMG_OUTBOUND_TOTAL_SECONDS
        if self.allow_loopback_http is None:
            self.allow_loopback_http = settings.AIMG_OUTBOUND_ALLOW_LOOPBACK_HTTP
        loopback = bool(self.allow_loopback_http)
        guards = {
            "http": _Guard(self.resolver, loopback_only=True, allow_loopback=loopback),
            "https": _Guard(self.resolver, loopback_only=False, allow_loopback=loopback),
        }
        session = requests.Session()
        session.trust_env = False  # no proxies or .netrc from the environment
        adapter = _adapter(guards)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self._session = session

    def close(self) -> None:
        self._session.close()

    def _check_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            raise OutboundBlocked("The URL is malformed.") from exc
        if not parts.hostname:
            raise OutboundBlocked("The URL has no host.")
        if parts.username or parts.password:
            raise OutboundBlocked("URLs with credentials are refused.")
        if parts.scheme == "https":
            return
        if parts.scheme == "http" and self.allow_loopback_http:
            return  # the http guard connects to loopback addresses only
        raise OutboundBlocked(f"Only https URLs may be fetched, not {parts.scheme or 'this'}:.")

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        auth: tuple[str, str] | tuple[bytes, bytes] | None = None,
        max_bytes: int | None = None,
    ) -> OutboundResponse:
        """Send one request; return the answer (any status but 3xx) or raise an ``OutboundError``."""
        self._check_url(url)
        cap = self.max_bytes if max_bytes is None else max_bytes
        assert cap is not None
        total = float(self.total_seconds or 0)
        started = time.monotonic()
        parts = urlsplit(url)
        where = f"{method} {parts.scheme}://{parts.netloc}{parts.path}"  # never the query (signatures)
        try:
            response = self._session.request(
                method,
                url,
                headers=dict(headers or {}),
                json=json_body,
                data=data,
                auth=HTTPBasicAuth(*auth) if auth is not None else None,
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,
                stream=True,
            )
        except OutboundError:
            raise
        except requests.exceptions.InvalidURL as exc:
            raise OutboundBlocked("The URL is malformed.") from exc
        except requests.RequestException as exc:
            logger.info("outbound request failed", extra={"outbound": where, "error": type(exc).__name__})
            raise OutboundUnavailable(f"{where} failed: {type(exc).__name__}.") from exc
        try:
            if 300 <= response.status_code < 400:
                raise OutboundRedirect(
                    f"{where} answered a redirect ({response.status_code}), which is not followed.",
                    status=response.status_code,
                    location=response.headers.get("Location", ""),
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > cap:
                raise OutboundTooLarge(f"{where} answered {declared} bytes, more than the {cap} accepted.")
            chunks: list[bytes] = []
            size = 0
            # A read blocks until its chunk is full: a watchdog closes the answer when the total
            # time is up, so a server trickling bytes cannot hold a worker past the cap.
            expired = threading.Event()

            def stop_reading() -> None:
                expired.set()
                sock = getattr(getattr(response.raw, "_connection", None), "sock", None)
                if sock is None:  # http.client hands the socket to the answer on "Connection: close"
                    reader = getattr(getattr(response.raw, "_fp", None), "fp", None)
                    sock = getattr(getattr(reader, "raw", None), "_sock", None)
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read (close does not)
                response.close()

            watchdog = (
                threading.Timer(max(0.0, total - (time.monotonic() - started)), stop_reading)
                if total
                else None
            )
            if watchdog is not None:
                watchdog.daemon = True
                watchdog.start()
            try:
                for chunk in response.iter_content(16 * 1024):
                    size += len(chunk)
                    if size > cap:
                        raise OutboundTooLarge(f"{where} answered more than the {cap} bytes accepted.")
                    chunks.append(chunk)
                if expired.is_set():
                    raise OutboundUnavailable(f"{where} took longer than {total:g} seconds.")
            except (requests.RequestException, OSError, ValueError, AttributeError) as exc:
                if expired.is_set():
                    raise OutboundUnavailable(f"{where} took longer than {total:g} seconds.") from exc
                raise OutboundUnavailable(f"{where} failed while reading: {type(exc).__name__}.") from exc
            finally:
                if watchdog is not None:
                    watchdog.cancel()
            elapsed = time.monotonic() - started
            logger.info(
                "outbound request",
                extra={"outbound": where, "status": response.status_code, "seconds": round(elapsed, 3)},
            )
            return OutboundResponse(
                status=response.status_code,
                headers=dict(response.headers),
                body=b"".join(chunks),
                elapsed=elapsed,
            )
        finally:
            response.close()
