"""Boosty: the admin account's cookies (encrypted at rest, 7 days) and the subscriber sync.

Cookies are stored as a Fernet token (``aimg_site.core.encryption``) and read
back only by ``boosty_cookies`` for the Boosty client; no endpoint or admin page
returns them, and no log line names a value.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from aimg_site.api.exceptions import InvalidParameter
from aimg_site.core import encryption
from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context

from ..models import BillingPlan, BoostyAccount, Subscription, SubscriptionStatus
from .client import BoostyAuthError, BoostyClient, BoostyError, BoostySubscriber

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


#: How long a Boosty subscription lasts when Boosty gives no paid-until date (each sync renews it
#: while Boosty still lists the subscriber; the beat runs every hour).
UNDATED_LIFETIME = dt.timedelta(days=2)


@dataclass
class BoostySyncReport:
    accounts: int = 0
    written: int = 0
    ended: int = 0
    failed_accounts: list[str] = field(default_factory=list)


def boosty_level_plans(*, domain: Domain) -> dict[str, BillingPlan]:
    """The Boosty level (lower-cased name) → plan map of ``domain``'s environment: the active plans
    whose ``boosty_level`` is set (``plans.json``'s ``boostyLevel``, edited in the console)."""
    with domain_context(domain):
        plans = BillingPlan.objects.filter(env=domain.environment, is_active=True).exclude(boosty_level="")
        return {plan.boosty_level.strip().lower(): plan for plan in plans}


def _payer_id(account: BoostyAccount, subscriber: BoostySubscriber) -> str:
    return f"{account.account_id}/{subscriber.id}"


def _end(row: Subscription, *, at: dt.datetime, now: dt.datetime) -> None:
    """End ``row`` at ``at`` (at once when ``at`` has passed)."""
    row.tier_expiration = at if row.tier_expiration is None else min(row.tier_expiration, at)
    row.next_billing_date = None
    if row.tier_expiration <= now:
        row.tier_expiration = min(row.tier_expiration, now)
        row.status = SubscriptionStatus.EXPIRED
        row.expired_at = now
    else:
        row.status = SubscriptionStatus.CANCELLING
    row.save()


@transaction.atomic
def _apply(
    *, account: BoostyAccount, subscriber: BoostySubscriber, plan: BillingPlan | None, now: dt.datetime
) -> str:
    """Write what Boosty says of ``subscriber``: ``"written"``, ``"ended"`` or ``""`` (nothing)."""
    user = User.objects.filter(email__iexact=subscriber.email, is_guest=False).first()
    if user is None:
        return ""
    payer_id = _payer_id(account, subscriber)
    row = (
        Subscription.objects.select_for_update()
        .filter(user=user, payment_provider="boosty", payer_id=payer_id)
        .order_by("-created_at")
        .first()
    )
    if plan is None or not subscriber.subscribed:
        # Unsubscribed: the tier lasts until the date paid for; a level no plan maps: it ends now.
        if row is None or row.status == SubscriptionStatus.EXPIRED:
            return ""
        paid = subscriber.paid_until if plan is not None and subscriber.paid_until else now
        _end(row, at=paid, now=now)
        return "ended"
    if row is None:
        row = Subscription(user=user, payment_provider="boosty", payer_id=payer_id, started_at=now)
    elif row.status == SubscriptionStatus.EXPIRED:
        row.started_at = now
    row.product_id = plan.plan_id
    row.tier = plan.tier
    row.env = plan.env
    row.status = SubscriptionStatus.ACTIVE
    row.tier_expiration = subscriber.paid_until or now + UNDATED_LIFETIME
    row.next_billing_date = subscriber.paid_until
    row.expired_at = None
    row.additional_information = f"Boosty blog {account.account_id}, level {subscriber.level_name}"
    row.price = {
        "type": "base",
        "period": "monthly",
        "currency": subscriber.currency,
        "currencyType": "fiat",
        "value": subscriber.price,
    }
    row.save()
    return "written"


@transaction.atomic
def _end_unlisted(*, account: BoostyAccount, seen: set[str], now: dt.datetime) -> int:
    """End at once the live Boosty subscriptions of ``account`` whose subscriber Boosty no longer lists."""
    rows = (
        Subscription.objects.select_for_update()
        .filter(payment_provider="boosty", payer_id__startswith=f"{account.account_id}/")
        .exclude(status=SubscriptionStatus.EXPIRED)
    )
    ended = 0
    for row in rows:
        if row.payer_id not in seen:
            _end(row, at=now, now=now)
            ended += 1
    return ended


def boosty_subscriptions_sync(*, domain: Domain, client: BoostyClient | None = None) -> BoostySyncReport:
    """Read the Boosty subscribers of each of ``domain``'s accounts with live cookies and write
    their subscriptions.

    A subscriber with an account here (same email, not a guest), subscribed at a level a plan of the
    domain maps (``BillingPlan.boosty_level``), gets that plan's tier and product until the date
    Boosty says they paid for (created, or extended when that date moves); unsubscribed, the tier
    lasts until that date; at an unmapped level, or no longer listed after a complete read, it ends
    at once. An account whose cookies Boosty refuses, or that Boosty cannot answer, is skipped
    (logged) and nothing of it is ended.
    """
    report = BoostySyncReport()
    with domain_context(domain):
        levels = boosty_level_plans(domain=domain)
        for account in BoostyAccount.objects.order_by("account_id"):
            cookies = boosty_cookies(account=account)
            if cookies is None:
                continue
            report.accounts += 1
            api = client or BoostyClient()
            now = timezone.now()
            seen: set[str] = set()
            outcomes = []
            try:
                for subscriber in api.subscribers(account_id=account.account_id, cookies=cookies):
                    seen.add(_payer_id(account, subscriber))
                    if not subscriber.email:
                        continue
                    plan = levels.get(subscriber.level_name.strip().lower())
                    outcomes.append(_apply(account=account, subscriber=subscriber, plan=plan, now=now))
            except BoostyAuthError:
                logger.warning(
                    "boosty sync of %s on %s: Boosty refused the cookies; inject fresh ones",
                    account.account_id,
                    domain.name,
                )
                report.failed_accounts.append(account.account_id)
                continue
            except BoostyError as exc:
                logger.warning(
                    "boosty sync of %s on %s: %s; retried at the next run",
                    account.account_id,
                    domain.name,
                    type(exc).__name__,
                )
                report.failed_accounts.append(account.account_id)
                continue
            finally:
                report.written += outcomes.count("written")
                report.ended += outcomes.count("ended")
            report.ended += _end_unlisted(account=account, seen=seen, now=now)
    if report.accounts:
        logger.info(
            "boosty sync on %s: %d account(s), %d subscription(s) written, %d ended, %d failed",
            domain.name,
            report.accounts,
            report.written,
            report.ended,
            len(report.failed_accounts),
        )
    return report


def boosty_subscriptions_sync_all() -> dict[str, BoostySyncReport]:
    """``boosty_subscriptions_sync`` for every domain (the beat task)."""
    return {
        domain.name: boosty_subscriptions_sync(domain=domain) for domain in Domain.objects.order_by("name")
    }
