"""How often codes and passwords may be tried, so that guessing gets nowhere and nobody is locked out.

A counter per email alone cannot tell the owner from a guesser: refusing
everyone past it let anyone lock an owner out with wrong guesses from a few
addresses. So refusals are per (email, client address), and what is per email
only decides how the rest is treated:

Codes (``otp_check_admit``, ``otp_email_under_attack``)
    An address gets ``otp-check-email-address`` checks of an email's codes
    (10 an hour), then 429. Every check also counts toward the email's
    ceilings (``otp-check-email``, 10 an hour; ``otp-check-email-day``, 40 a
    day), which refuse nobody: past one, the email's live codes are void (so
    what guessers shared is gone) and a code requested meanwhile is bound to
    the address that asked for it (``OneTimePassword.address_bound``), tried
    only from there, at most ``BOUND_CODE_MAX_WRONG`` times. The owner asks
    for a fresh code and uses it where they asked; nobody else can even try it.

Passwords (``password_check_admit``)
    An address gets ``password-check-email-address`` checks of an email's
    password (10 a quarter hour), then 429. Past the email's free attempts
    (``password-check-email``, 10 a quarter hour, from everyone), an address
    the account has not signed in from lately waits its turn: one attempt at a
    time, with a wait that doubles (1 s, 2 s … up to 15 minutes), for a day
    from the first queued attempt (the free attempts do not come back
    meanwhile): about 10 + 105 guesses a day for the whole world. Addresses where the account signed in during the last 30 days
    (``sign_in_address_remember``) skip the queue, and so does anyone who signs
    in with a code instead.

Sending codes (``otp_send_admit``)
    ``otp-send-email`` (5 an hour) protects the owner's mailbox; an address
    the account signed in from lately is not held to it (``otp-send-address``
    still applies), so others asking for codes cannot stop the owner's.

Counters live in the rate-limit storage (Redis, or the SQLite file of the
embedded default), outside the request's database transaction: what a
refused attempt counted stays counted.
"""

from __future__ import annotations

import ipaddress

from accounts.models import User
from aimg_site.api import ratelimit
from aimg_site.api.exceptions import RateLimited
from aimg_site.core.scoping import current_domain

#: Wrong tries a code bound to an address (asked for while its email was under attack) survives.
BOUND_CODE_MAX_WRONG = 3
PASSWORD_BACKOFF_MAX_SECONDS = 15 * 60
_DAY = 24 * 60 * 60
#: How long an address the account signed in from counts as the owner's.
KNOWN_ADDRESS_SECONDS = 30 * _DAY

ratelimit.register(
    "otp-check-email-address", "10/hour", "Too many wrong codes for this email from this address."
)
ratelimit.register("otp-check-email-day", "40/day", "Too many wrong codes for this email today.")
ratelimit.register(
    "password-check-email-address",
    "10/15minute",
    "Too many wrong passwords for this email from this address. Sign in with a code sent to it instead, or wait.",
)
PASSWORD_WAIT_MESSAGE = (
    "Too many wrong passwords were tried for this email. Sign in with a code sent to it instead, or wait."
)


def normalize_address(address: str | None) -> str | None:
    """One spelling per address (``2001:DB8::1`` and ``2001:db8:0::1`` are one client)."""
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _email_key(email: str) -> str:
    return f"{current_domain().pk}:{email.strip().lower()}"


def _address_key(email: str, address: str | None) -> str:
    return f"{_email_key(email)}|{normalize_address(address) or '-'}"


# --- Addresses an account signed in from ------------------------------------------------------


def sign_in_address_remember(*, user: User, client_address: str | None) -> None:
    """``user`` signed in from ``client_address``: for 30 days it is not held to the per-email limits."""
    address = normalize_address(client_address)
    if address and ratelimit.counter_get("sign-in-known-address", key=f"{user.pk}|{address}") == 0:
        ratelimit.counter_add(
            "sign-in-known-address", key=f"{user.pk}|{address}", seconds=KNOWN_ADDRESS_SECONDS
        )


def sign_in_address_is_known(*, user: User | None, client_address: str | None) -> bool:
    address = normalize_address(client_address)
    if user is None or address is None:
        return False
    return ratelimit.counter_get("sign-in-known-address", key=f"{user.pk}|{address}") > 0


# --- Codes --------------------------------------------------------------------------------------


def otp_send_admit(*, email: str, client_address: str | None, user: User | None) -> None:
    """Count one code sent to ``email``; ``RateLimited`` (429) past the limits that apply to this caller."""
    address = normalize_address(client_address)
    if address:
        ratelimit.hit("otp-send-address", key=address)
    if sign_in_address_is_known(user=user, client_address=address):
        return
    ratelimit.hit("otp-send-email", key=_email_key(email))


def otp_check_admit(*, email: str, client_address: str | None) -> bool:
    """Count one check of a code for ``email`` from ``client_address``, before the code is looked at.

    ``RateLimited`` (429) past the address's own limit. Returns whether the
    email is still within its ceilings: when it is not, only codes bound to
    this address may be tried, and the caller voids the others.
    """
    ratelimit.hit("otp-check-email-address", key=_address_key(email, client_address))
    within_hour = ratelimit.count("otp-check-email", key=_email_key(email))
    within_day = ratelimit.count("otp-check-email-day", key=_email_key(email))
    return within_hour and within_day


def otp_email_under_attack(*, email: str) -> bool:
    """Has ``email`` reached a ceiling of checks (a code requested now is bound to its requester)?"""
    key = _email_key(email)
    return ratelimit.exhausted("otp-check-email", key=key) or ratelimit.exhausted(
        "otp-check-email-day", key=key
    )


# --- Passwords ----------------------------------------------------------------------------------


def password_backoff_seconds(level: int) -> int:
    """The wait after the ``level``-th attempt past the free ones: 1, 2, 4 … seconds, at most 15 minutes."""
    return min(2 ** min(level, 20), PASSWORD_BACKOFF_MAX_SECONDS)


def password_check_admit(*, email: str, client_address: str | None, user: User | None) -> None:
    """Count one password check for ``email`` before it is made; ``RateLimited`` (429) when this caller
    must not try now (the address's own limit, or its turn in the email's queue has not come)."""
    ratelimit.hit("password-check-email-address", key=_address_key(email, client_address))
    if sign_in_address_is_known(user=user, client_address=client_address):
        return
    key = _email_key(email)
    level = ratelimit.counter_get("password-backoff-email", key=key)
    # The free attempts do not come back every quarter hour once the email has been queued today.
    if level == 0 and ratelimit.count("password-check-email", key=key):
        return
    wait = ratelimit.gate_pass("password-backoff-email", key=key, seconds=password_backoff_seconds(level))
    if wait:
        raise RateLimited(PASSWORD_WAIT_MESSAGE, retry_after=wait)
    ratelimit.counter_add("password-backoff-email", key=key, seconds=_DAY)
