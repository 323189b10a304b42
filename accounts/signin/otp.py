"""One-time passwords (``requestOTP``): creation and checking.

A code is 6 random digits, valid for 24 hours, single use. Only an
HMAC-SHA256 of (domain, email, code) keyed with ``SECRET_KEY`` is stored. The
newest ``OTP_MAX_LIVE_CODES`` unused, unexpired codes of an email are valid, so
the magic link of a slightly earlier email still works; using one spends the
others.

Checks are counted before the code is looked at (atomic counters in the
rate-limit storage), per (email, address) and per email, so concurrent
guesses cannot get more checks than the limits; what happens past them is in
``accounts.signin.throttle``. A code is consumed with a conditional UPDATE
(``used_at IS NULL``): of two concurrent uses, exactly one wins.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import OneTimePassword
from aimg_site.core.scoping import current_domain

from . import throttle

OTP_DIGITS = 6
#: Live (unused, unexpired) codes an email may have at once; a new code expires the oldest beyond it.
#: Anyone may ask for codes for any address, so without a cap a guesser would face every code sent
#: in the last 24 hours at once.
OTP_MAX_LIVE_CODES = 3


def otp_validity() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "AIMG_OTP_VALID_HOURS", 24))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def otp_digest(*, email: str, code: str, domain_id: int | None = None) -> str:
    domain_id = current_domain().pk if domain_id is None else domain_id
    message = f"{domain_id}\x00{normalize_email(email)}\x00{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def otp_generate_code() -> str:
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


def otp_create(
    *, email: str, sign_up: bool = False, client_address: str | None = None
) -> tuple[OneTimePassword, str]:
    """Store a new code for ``email`` in the bound domain; returns the row and the raw code.

    While the email's codes are under attack (``throttle.otp_email_under_attack``)
    the code is bound to ``client_address``. At most ``OTP_MAX_LIVE_CODES``
    unbound codes live at once, and one bound code per address: a new one
    expires the oldest, and codes others ask for never push out a bound one.
    """
    code = otp_generate_code()
    email = normalize_email(email)
    address = throttle.normalize_address(client_address)
    bound = address is not None and throttle.otp_email_under_attack(email=email)
    now = timezone.now()
    live = OneTimePassword.objects.filter(email=email, used_at__isnull=True, expires_at__gt=now)
    if bound:
        live.filter(address_bound=True, client_address=address).update(expires_at=now)
    else:
        unbound = live.filter(address_bound=False)
        keep = list(
            unbound.order_by("-created_at", "-pk").values_list("pk", flat=True)[: OTP_MAX_LIVE_CODES - 1]
        )
        unbound.exclude(pk__in=keep).update(expires_at=now)
    row = OneTimePassword.objects.create(
        email=email,
        code_digest=otp_digest(email=email, code=code),
        sign_up=sign_up,
        expires_at=timezone.now() + otp_validity(),
        client_address=address,
        address_bound=bound,
    )
    return row, code


def otp_consume(*, email: str, code: str, client_address: str | None = None) -> bool:
    """Use ``code`` for ``email``: ``True`` once for a valid code, ``False`` otherwise.

    Counts one check first (``throttle.otp_check_admit``) and raises
    ``RateLimited`` (429) when this address has used up its checks, whether or
    not the code is right. Past the email's ceiling the unbound live codes are
    voided and only a code bound to ``client_address`` can match; a wrong code
    from an address counts against the code bound there. Call it outside a
    transaction (services do): a rollback would undo what a wrong code voided
    and counted.
    """
    email = normalize_email(email)
    address = throttle.normalize_address(client_address)
    open_codes = throttle.otp_check_admit(email=email, client_address=address)
    code = (code or "").strip()
    now = timezone.now()
    with transaction.atomic():
        live = OneTimePassword.objects.filter(email=email, used_at__isnull=True, expires_at__gt=now)
        if not open_codes:
            live.filter(address_bound=False).update(expires_at=now)
        bound_here = live.filter(address_bound=True, client_address=address) if address else live.none()
        if len(code) == OTP_DIGITS and code.isdigit():
            usable = (live.filter(address_bound=False) | bound_here) if open_codes else bound_here
            for pk in usable.filter(code_digest=otp_digest(email=email, code=code)).values_list(
                "pk", flat=True
            ):
                if OneTimePassword.objects.filter(pk=pk, used_at__isnull=True).update(used_at=now) == 1:
                    # The address is proven: the other codes sent to it have served their purpose.
                    live.update(expires_at=now)
                    return True
        bound_here.update(failed_checks=F("failed_checks") + 1)
        bound_here.filter(failed_checks__gte=throttle.BOUND_CODE_MAX_WRONG).update(expires_at=now)
    return False


def magic_link_token(*, email: str, code: str) -> str:
    """``b`` of the magic link: base64url (RFC 4648, no padding) of ``{"email": ..., "otp": ...}``."""
    raw = json.dumps({"email": email, "otp": code}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def magic_link(*, frontend_url: str, email: str, code: str) -> str:
    path = getattr(settings, "AIMG_MAGIC_LINK_PATH", "/")
    base = frontend_url.rstrip("/") + "/" + path.lstrip("/")
    return f"{base}?b={magic_link_token(email=email, code=code)}"


def otps_delete_expired() -> int:
    """Delete codes past their validity, used or not (housekeeping; all domains)."""
    deleted, _ = OneTimePassword.all_domains.filter(expires_at__lt=timezone.now()).delete()
    return deleted
