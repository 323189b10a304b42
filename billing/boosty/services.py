"""Boosty: the admin account's cookies (encrypted at rest, 7 days) and the subscriber sync.

Cookies are stored as a Fernet token (``aimg_site.core.encryption``) and read
back only by ``boosty_cookies`` for the Boosty client; no endpoint or admin page
returns them, and no log line names a value.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from aimg_site.api.exceptions import InvalidParameter
from aimg_site.core import encryption
from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context

from ..models import BoostyAccount, Subscription, SubscriptionStatus
from .client import BoostyClient, BoostySubscriber

logger = logging.getLogger(__name__)

COOKIE_LIFETIME = dt.timedelta(days=7)


def boosty_domain(*, name: str | None, default: Domain) -> Domain:
    """The domain named ``name`` (400 naming ``domainIdentifier`` when unknown), else ``default``."""
    if not name:
        return default
    domain = Domain.objects.filter(name=name.strip().lower()).first()
    if domain is None:
        raise InvalidParameter("domainIdentifier", "is not a known domain")
    return domain


def boosty_cookies_inject(*, domain: Domain, account_id: str, cookies: list[dict]) -> BoostyAccount:
    """Store ``cookies`` for ``account_id`` of ``domain`` (replacing older ones), encrypted, for 7 days."""
    now = timezone.now()
    token = encryption.encrypt(json.dumps(cookies, separators=(",", ":")).encode())
    with domain_context(domain), transaction.atomic():
        account, _created = BoostyAccount.objects.update_or_create(
            account_id=account_id,
            defaults={
                "cookies_token": token,
                "cookie_count": len(cookies),
                "injected_at": now,
                "expires_at": now + COOKIE_LIFETIME,
            },
        )
    logger.info("boosty cookies injected for %s on %s (%d cookies)", account_id, domain.name, len(cookies))
    return account


def boosty_cookies(*, account: BoostyAccount) -> list[dict] | None:
    """The cookies of ``account``, or ``None`` once they expired (or no key opens them)."""
    if account.expires_at <= timezone.now():
        return None
    try:
        return json.loads(encryption.decrypt(account.cookies_token))
    except encryption.InvalidToken:
        logger.warning(
            "boosty cookies of %s cannot be decrypted with the configured keys", account.account_id
        )
        return None


def _tier_for(subscriber: BoostySubscriber, levels: dict[str, int]) -> int:
    return levels.get(subscriber.level_name.strip().lower(), 0)


@transaction.atomic
def _apply(*, account: BoostyAccount, subscriber: BoostySubscriber, tier: int) -> bool:
    user = User.objects.filter(email__iexact=subscriber.email, is_guest=False).first()
    if user is None:
        return False
    product_id = f"boosty-{account.account_id}"
    row = (
        Subscription.objects.select_for_update()
        .filter(user=user, payment_provider="boosty", product_id=product_id)
        .order_by("-created_at")
        .first()
    )
    if row is None:
        row = Subscription(user=user, payment_provider="boosty", product_id=product_id)
    row.tier = tier
    row.status = SubscriptionStatus.ACTIVE
    row.tier_expiration = subscriber.paid_until
    row.next_billing_date = subscriber.paid_until
    row.payer_id = str(subscriber.id)
    row.expired_at = None
    row.price = {
        "type": "base",
        "period": "monthly",
        "currency": subscriber.currency,
        "currencyType": "fiat",
        "value": subscriber.price,
    }
    row.save()
    return True


def boosty_subscriptions_sync(
    *, domain: Domain, levels: dict[str, int], client: BoostyClient | None = None
) -> int:
    """Read the Boosty subscribers of each of ``domain``'s accounts with live cookies and give each
    subscriber with an account here (same email) the tier of their level (``levels``: level name →
    tier), until the date Boosty says they paid for. Returns how many subscriptions were written."""
    written = 0
    with domain_context(domain):
        for account in BoostyAccount.objects.order_by("account_id"):
            cookies = boosty_cookies(account=account)
            if cookies is None:
                continue
            api = client or BoostyClient()
            for subscriber in api.subscribers(account_id=account.account_id, cookies=cookies):
                tier = _tier_for(subscriber, levels)
                if tier and subscriber.email and subscriber.subscribed:
                    written += _apply(account=account, subscriber=subscriber, tier=tier)
    return written
