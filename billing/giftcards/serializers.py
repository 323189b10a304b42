"""Input and output shapes of the gift-card endpoints (unique names: they become schema components)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.fields import StrictCharField
from aimg_site.api.fields import CommaListField

from .. import enums
from .services import MAX_CARDS


class RedeemGiftCardInput(serializers.Serializer):
    code = StrictCharField(
        max_length=100, help_text="The code of the Gift Card (case, dashes and spaces are ignored)."
    )


class RedeemGiftCardOutput(serializers.Serializer):
    productID = serializers.CharField()
    tier = serializers.IntegerField()
    tierExpiration = serializers.CharField()


#: A card's price in a query string: 0 to 99999.99, at most two decimals. The pattern is exactly
#: what the field accepts (drf-spectacular's own decimal pattern also admits "-8." and "").
PRICE_PATTERN = r"^[0-9]{1,5}(?:\.[0-9]{1,2})?$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": PRICE_PATTERN})
class PriceField(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=7, decimal_places=2, min_value=Decimal("0"), **kwargs)


class ExternalCodesField(CommaListField):
    item_max_length = 64


#: At most this many external codes per request (the request line stays within gunicorn's limit).
MAX_EXTERNAL_CODES = 100


class DownloadGiftCardsQuery(serializers.Serializer):
    distributionProvider = serializers.ChoiceField(
        choices=list(enums.GIFT_CARD_PROVIDERS),
        required=False,
        default="giftcard",
        help_text="The distribution (payment) provider: g2a or giftcard (the default).",
        error_messages={"invalid_choice": "must be g2a or giftcard."},
    )
    tier = serializers.IntegerField(required=False, default=1, min_value=1, max_value=10)
    days = serializers.IntegerField(required=False, default=30, min_value=1, max_value=3650)
    numberOfCards = serializers.IntegerField(required=False, default=100, min_value=1, max_value=MAX_CARDS)
    usdPrice = PriceField(
        required=False,
        default=Decimal("0"),
        help_text="The USD price of each card (default 0).",
    )
    externalCodes = ExternalCodesField(
        required=False,
        max_items=MAX_EXTERNAL_CODES,
        help_text="Comma-separated external codes (at most 100), labelling the first cards in order.",
    )
    additionalInformation = StrictCharField(required=False, allow_blank=True, max_length=500)
