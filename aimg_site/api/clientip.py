"""The client's address (CONTRACT.md "Client address")."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.AIMG_TRUSTED_PROXIES)


def client_address(request) -> str | None:
    """The peer address, or, when the peer is a trusted proxy, the rightmost
    ``X-Forwarded-For`` address that is not itself a trusted proxy."""
    request = getattr(request, "_request", request)
    cached = getattr(request, "_aimg_client_address", None)
    if cached is not None:
        return cached or None
    peer = request.META.get("REMOTE_ADDR") or ""
    address = peer
    if peer and _trusted(peer):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        for candidate in reversed([part for part in forwarded if part]):
            try:
                ipaddress.ip_address(candidate)
            except ValueError:
                break  # a malformed hop: stop believing the chain
            address = candidate
            if not _trusted(candidate):
                break
    try:
        ipaddress.ip_address(address)
    except ValueError:
        address = ""
    request._aimg_client_address = address
    return address or None
