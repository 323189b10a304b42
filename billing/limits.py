"""The billing app's named rate limits (registered at import; ``aimg_site.api.ratelimit``)."""

from __future__ import annotations

from aimg_site.api import ratelimit

#: Card payment attempts (card testing): per user and per client address.
CARD_USER = "card-attempt-user"
CARD_ADDRESS = "card-attempt-address"
#: Wrong gift-card codes: per user and per client address (counted on wrong codes only).
GIFT_CARD_WRONG_USER = "giftcard-wrong-user"
GIFT_CARD_WRONG_ADDRESS = "giftcard-wrong-address"
#: Pay-with-card emails: per client address and per recipient.
PAY_EMAIL_ADDRESS = "pay-with-card-email-address"
PAY_EMAIL_RECIPIENT = "pay-with-card-email-recipient"

ratelimit.register(CARD_USER, "10/hour", "Too many card payment attempts for this account.")
ratelimit.register(CARD_ADDRESS, "20/hour", "Too many card payment attempts from this address.")
ratelimit.register(GIFT_CARD_WRONG_USER, "10/hour", "Too many wrong gift card codes for this account.")
ratelimit.register(GIFT_CARD_WRONG_ADDRESS, "30/hour", "Too many wrong gift card codes from this address.")
ratelimit.register(PAY_EMAIL_ADDRESS, "10/hour", "Too many payment emails were requested from this address.")
ratelimit.register(PAY_EMAIL_RECIPIENT, "3/hour", "Too many payment emails were requested for this email.")
