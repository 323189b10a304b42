"""Gift cards: creating batches (``downloadGiftCards``, ``generate_gift_cards``) and redeeming a code.

Redemption locks the caller's user row and the card's row (``SELECT ... FOR
UPDATE``) in one transaction, so two redemptions of one code, or two of the
caller's own redemptions, run one after the other: exactly one of two racing
redemptions of a code succeeds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from aimg_site.api import ratelimit
from aimg_site.api.errors import ErrorCode
from aimg_site.api.exceptions import Conflict, NotFound, RateLimited
from aimg_site.core.scoping import current_domain
from billing import entitlements

from .. import limits
from ..models import GiftCard, GiftCardBatch, Subscription
from .codes import code_digest, code_generate, code_normalize

MAX_CARDS = 1000


@dataclass(frozen=True)
class CreatedBatch:
    batch: GiftCardBatch
    codes: list[str]  # shown once (the download), never stored


@transaction.atomic
def gift_cards_create(
    *,
    number_of_cards: int = 100,
    tier: int = 1,
    days: int = 30,
    distribution_provider: str = "giftcard",
    usd_price: Decimal | float = 0,
    external_codes: list[str] | None = None,
    additional_information: str = "",
    actor: User | None = None,
) -> CreatedBatch:
    """A batch of ``number_of_cards`` new cards in the bound domain and their codes (in the clear only
    in the returned value). ``external_codes[i]``, when given, labels card ``i``."""
    if not 1 <= number_of_cards <= MAX_CARDS:
        raise ValueError(f"number_of_cards must be 1 to {MAX_CARDS}")
    external = list(external_codes or [])
    batch = GiftCardBatch.objects.create(
        distribution_provider=distribution_provider,
        tier=tier,
        days=days,
        number_of_cards=number_of_cards,
        usd_price=Decimal(str(usd_price)).quantize(Decimal("0.01")),
        external_codes=external,
        additional_information=additional_information,
        created_by=actor,
    )
    domain_id = current_domain().pk
    codes = [code_generate() for _ in range(number_of_cards)]
    GiftCard.objects.bulk_create(
        GiftCard(
            batch=batch,
            code_digest=code_digest(code=code_normalize(code) or "", domain_id=domain_id),
            external_code=external[i] if i < len(external) else "",
        )
        for i, code in enumerate(codes)
    )
    return CreatedBatch(batch=batch, codes=codes)


def _wrong_code(*, user: User, client_address: str | None) -> NotFound:
    ratelimit.hit(limits.GIFT_CARD_WRONG_USER, key=f"user:{user.pk}")
    ratelimit.hit(limits.GIFT_CARD_WRONG_ADDRESS, key=client_address or "unknown")
    return NotFound("This gift card code is not valid.", error_code=ErrorCode.BILLING_GIFT_CARD_UNKNOWN)


def _refuse_when_exhausted(*, user: User, client_address: str | None) -> None:
    for name, key in (
        (limits.GIFT_CARD_WRONG_USER, f"user:{user.pk}"),
        (limits.GIFT_CARD_WRONG_ADDRESS, client_address or "unknown"),
    ):
        if ratelimit.exhausted(name, key=key):
            ratelimit.hit(name, key=key)  # raises RateLimited with the time to wait
            raise RateLimited(retry_after=60)  # pragma: no cover - hit raised above


@transaction.atomic
def gift_card_redeem(*, user: User, code: str, client_address: str | None = None) -> dict:
    """Redeem ``code`` for ``user``: ``{"productID", "tier", "tierExpiration"}``.

    Refusals: an unknown code (404, counted against the wrong-code limits per
    user and per address, 429 past them), a redeemed one (409), and an active
    tier equal to or above the card's that does not expire (409). When the
    active tier expires and equals the card's, the new expiry is the current
    one plus the card's days; otherwise it is now plus the card's days.
    """
    _refuse_when_exhausted(user=user, client_address=client_address)
    canonical = code_normalize(code)
    if canonical is None:
        raise _wrong_code(user=user, client_address=client_address)
    User.objects.select_for_update().filter(pk=user.pk).first()
    card = (
        GiftCard.objects.select_for_update(of=("self",))
        .select_related("batch")
        .filter(code_digest=code_digest(code=canonical, domain_id=current_domain().pk))
        .first()
    )
    if card is None:
        raise _wrong_code(user=user, client_address=client_address)
    if card.redeemed_at is not None:
        raise Conflict(
            "This gift card has already been redeemed.", error_code=ErrorCode.BILLING_GIFT_CARD_REDEEMED
        )
    batch = card.batch
    current = entitlements.user_entitlement(user=user)
    now = timezone.now()
    expiring = current.tier_expiration is not None
    if current.tier >= batch.tier and not expiring:
        raise Conflict(
            f"You already have PRO tier {current.tier}, which does not expire: this gift card "
            f"(tier {batch.tier}) cannot be redeemed.",
            error_code=ErrorCode.BILLING_GIFT_CARD_TIER_NOT_LOWER,
        )
    start = current.tier_expiration if (expiring and current.tier == batch.tier) else now
    assert start is not None
    expiration = max(start, now) + dt.timedelta(days=batch.days)
    subscription = Subscription.objects.create(
        user=user,
        payment_provider=batch.distribution_provider,
        product_id=batch.product_id,
        tier=batch.tier,
        started_at=now,
        tier_expiration=expiration,
        transaction_id=str(card.pk),
        additional_information=batch.additional_information,
        price={
            "type": "giftcard",
            "period": "none",
            "currency": "USD",
            "currencyType": "fiat",
            "value": float(batch.usd_price),
        },
        env=current_domain().environment,
    )
    card.redeemed_by = user
    card.redeemed_at = now
    card.subscription = subscription
    card.save(update_fields=["redeemed_by", "redeemed_at", "subscription"])
    return {
        "productID": batch.product_id,
        "tier": batch.tier,
        "tierExpiration": entitlements.iso_datetime(expiration),
    }
