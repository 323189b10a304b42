"""Named rate limits on one cache-backed primitive (the ``limits`` library).

Storage is Redis when ``REDIS_URL`` is set, else a SQLite file under ``var/``
(the embedded default, ``ratelimit_sqlite``); either way every process and
thread counts in one place. Endpoints and services use a limit by name::

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

from . import ratelimit_sqlite  # noqa: F401  (registers the "sqlite" storage scheme with limits)
from .exceptions import RateLimited

#: The limit on guest users made per client address (registered by ``accounts.sessions.services``).
#: Guests are made by ``ApiView.caller_user`` of ``Caller.USER_OR_GUEST`` views, whose
#: ``guest_methods`` document it; views do not list it.
GUEST_CREATION = "guest-create-address"

#: name -> (rate, message). Rates use the ``limits`` notation ("5/minute", "20 per hour").
#: ``RateLimited`` ends each message with when to retry ("Try again in 42 seconds.").
LIMITS: dict[str, tuple[str, str]] = {
    "otp-send-email": ("5/hour", "Too many codes were requested for this email."),
    "otp-send-address": ("30/hour", "Too many codes were requested from this address."),
    # Ceilings counted with ``count`` (they change what happens, never refuse: accounts.signin.throttle).
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


def count(name: str, *, key: str, cost: int = 1) -> bool:
    """Count like ``hit`` but never raise: ``True`` while ``key`` is within limit ``name``.

    For ceilings that change what happens next rather than refuse (past one,
    a service answers differently), counted atomically like ``hit``.
    """
    if not settings.AIMG_RATELIMIT_ENABLED:
        return True
    rate, _message = LIMITS[name]
    return _limiter().hit(parse(rate), name, _key(key), cost=cost)


def clear(name: str, *, key: str) -> None:
    """Forget what limit ``name`` counted for ``key`` in the current window (as when it ends)."""
    rate, _message = LIMITS[name]
    _limiter().storage.clear(parse(rate).key_for(name, _key(key)))


def exhausted(name: str, *, key: str) -> bool:
    """Has ``key`` used up limit ``name`` in the current window (without counting anything)?"""
    if not settings.AIMG_RATELIMIT_ENABLED:
        return False
    rate, _message = LIMITS[name]
    return _limiter().get_window_stats(parse(rate), name, _key(key))[1] == 0


# --- Counters and gates beside the named limits (same storage, so shared by every process) ---------


def _storage_key(kind: str, name: str, key: str) -> str:
    return f"aimg/{kind}/{name}/{_key(key)}"


def counter_add(name: str, *, key: str, seconds: int, amount: int = 1) -> int:
    """Add ``amount`` to counter ``name`` of ``key`` and return it; the counter ends ``seconds`` after its
    first addition (a fixed window, as the limits have)."""
    return _limiter().storage.incr(_storage_key("counter", name, key), seconds, amount=amount)


def counter_get(name: str, *, key: str) -> int:
    """The counter's value, 0 when it was never added to or has ended."""
    return _limiter().storage.get(_storage_key("counter", name, key))


def gate_pass(name: str, *, key: str, seconds: int) -> int:
    """Let one caller through gate ``name`` of ``key``, which then stays shut for ``seconds``.

    Returns 0 for the caller that passed (atomically: of concurrent callers
    exactly one passes), else the whole seconds until the gate opens again.
    """
    if not settings.AIMG_RATELIMIT_ENABLED:
        return 0
    storage = _limiter().storage
    storage_key = _storage_key("gate", name, key)
    if storage.incr(storage_key, seconds) == 1:
        return 0
    return math.ceil(max(1.0, storage.get_expiry(storage_key) - time.time()))
