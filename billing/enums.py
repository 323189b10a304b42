"""The reference's enumerations for Billing Plans (BillingPlanPrice, BillingPlanPaymentProvider)."""

from __future__ import annotations

PRICE_TYPES = ("base", "discount", "bundle", "trial", "free", "giftcard", "other", "none")
PERIODS = ("daily", "monthly", "yearly", "lifetime", "none")
CURRENCIES = (
    "USD",
    "EUR",
    "GBP",
    "CAD",
    "AUD",
    "JPY",
    "CHF",
    "CNY",
    "BTC",
    "ETH",
    "SOL",
    "BNB",
    "MATIC",
    "USDC",
    "USDT",
    "none",
)
CURRENCY_TYPES = ("fiat", "crypto", "other", "none")
PAYMENT_PROVIDERS = (
    "arkpay",
    "boosty",
    "ccbill",
    "epoch",
    "g2a",
    "helio",
    "nmi",
    "patreon",
    "paypal",
    "stripe",
    "giftcard",
    "admin",
    "whitelist",
    "other",
    "none",
)
#: ``processCardSubscription``'s documented merchant processors.
CARD_MERCHANT_PROCESSORS = ("arkpay",)
#: ``downloadGiftCards``' documented distribution providers.
GIFT_CARD_PROVIDERS = ("g2a", "giftcard")
ENVIRONMENTS = [("prod", "prod"), ("staging", "staging")]


def choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]
