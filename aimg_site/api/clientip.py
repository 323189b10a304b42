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


#: ``(REMOTE_ADDR, X-Forwarded-For) -> address`` for the trusted proxies they were worked out with:
#: parsing addresses was a sixtieth of a cheap request's CPU, and the same few peers (the proxies,
#: or the clients themselves) send nearly every request. Bounded; emptied when the setting changes.
_memo: tuple[object, dict[tuple[str, str], str]] = (None, {})
MEMO_MAX_ENTRIES = 10_000
MEMO_MAX_FORWARDED = 200  # characters of X-Forwarded-For (a few hops)


def client_address(request) -> str | None:
    """The peer address, or, when the peer is a trusted proxy, the rightmost
    ``X-Forwarded-For`` address that is not itself a trusted proxy."""
    global _memo
    request = getattr(request, "_request", request)
    cached = getattr(request, "_aimg_client_address", None)
    if cached is not None:
        return cached or None
    peer = request.META.get("REMOTE_ADDR") or ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies, known = _memo
    if proxies is not settings.AIMG_TRUSTED_PROXIES:
        proxies, known = _memo = (settings.AIMG_TRUSTED_PROXIES, {})
    key = (peer, forwarded)
    address = known.get(key)
    if address is None:
        address = _worked_out(peer, forwarded)
        if len(forwarded) <= MEMO_MAX_FORWARDED:  # a long chain is worked out each time, not kept
            if len(known) >= MEMO_MAX_ENTRIES:
                known.clear()
            known[key] = address
    request._aimg_client_address = address
    return address or None


def _worked_out(peer: str, forwarded_for: str) -> str:
    """``client_address`` of a peer and its ``X-Forwarded-For`` ("" when there is no valid one)."""
    address = peer
    if peer and _trusted(peer):
        forwarded = [part.strip() for part in forwarded_for.split(",")]
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
    return address
