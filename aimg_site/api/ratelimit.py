"""Named rate limits on one cache-backed primitive (the ``limits`` library).

Storage is Redis when ``REDIS_URL`` is set (shared by every process), else
process memory (the embedded default). Endpoints and services use a limit
by name::

    hit("otp-send-email", key=email)             # raises RateLimited (429 + Retry-After)

Keys are whatever identifies the actor: a user id, an email, or the client
address from ``aimg_site.api.clientip.client_address``.
"""

from __future__ import annotations

import hashlib
import math
import time
from functools import cache

from django.conf import settings
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from .exceptions import RateLimited

#: name -> (rate, message). Rates use the ``limits`` notation ("5/minute", "20 per hour").
#: ``RateLimited`` ends each message with when to retry ("Try again in 42 seconds.").
LIMITS: dict[str, tuple[str, str]] = {
    "otp-send-email": ("5/hour", "Too many codes were requested for this email."),
    "otp-send-address": ("30/hour", "Too many codes were requested from this address."),
    "otp-check-email": ("10/hour", "Too many wrong codes for this email."),
    "sign-in-address": ("60/10minute", "Too many sign-in attempts from this address."),
    "password-check-email": ("10/15minute", "Too many wrong passwords for this email."),
}


def register(name: str, rate: str, message: str) -> None:
    """Declare a named limit (apps call this at import time for their own limits)."""
    parse(rate)  # fail fast on a malformed rate
    LIMITS[name] = (rate, message)


@cache
def _limiter() -> FixedWindowRateLimiter:
    uri = settings.AIMG_RATELIMIT_STORAGE_URI
    options = {} if uri.startswith("memory://") else {"key_prefix": settings.AIMG_RATELIMIT_KEY_PREFIX}
    return FixedWindowRateLimiter(storage_from_string(uri, **options))


def reset_storage() -> None:
    """Empty every counter under this process's key prefix (tests)."""
    _limiter().storage.reset()


def _key(key: str) -> str:
    return hashlib.sha256(str(key).lower().encode()).hexdigest()[:32]


def hit(name: str, *, key: str, cost: int = 1) -> None:
    """Count one event for ``key`` under limit ``name``; raise ``RateLimited`` past the limit.

    The check and the increment are one atomic operation in the storage, so
    concurrent requests cannot slip past the limit together.
    """
    if not settings.AIMG_RATELIMIT_ENABLED:
        return
    rate, message = LIMITS[name]
    item = parse(rate)
    limiter = _limiter()
    if not limiter.hit(item, name, _key(key), cost=cost):
        reset_at, _remaining = limiter.get_window_stats(item, name, _key(key))
        raise RateLimited(message, retry_after=math.ceil(max(1.0, reset_at - time.time())))


def remaining(name: str, *, key: str) -> int:
    rate, _message = LIMITS[name]
    item = parse(rate)
    return _limiter().get_window_stats(item, name, _key(key))[1]
