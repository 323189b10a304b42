"""Input and output shapes of the card endpoints (unique names: they become schema components).

Error messages name the field and never echo what was sent (a card number or
security code must not reach a log or a response).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from rest_framework import serializers

from accounts.fields import StrictCharField, email_field

from .. import enums
from .validation import card_expired, card_number_normalize, country_valid, state_valid


class ProcessCardSubscriptionInput(serializers.Serializer):
    merchantProcessor = serializers.ChoiceField(
        choices=list(enums.CARD_MERCHANT_PROCESSORS),
        help_text="The merchant processor: arkpay.",
        error_messages={"invalid_choice": "must be arkpay."},
    )
    productID = StrictCharField(max_length=100, help_text="The id of the Billing Plan to subscribe to.")
    cardNumber = StrictCharField(max_length=30, trim_whitespace=False, help_text="The card number.")
    cardHolderName = StrictCharField(max_length=200, help_text="The name of the card holder.")
    expirationMonth = serializers.IntegerField(min_value=1, max_value=12, help_text="1 to 12.")
    expirationYear = serializers.IntegerField(min_value=2000, max_value=2100, help_text="Four digits.")
    securityCode = StrictCharField(
        max_length=4, trim_whitespace=False, help_text="The CVV/CVC (3 or 4 digits)."
    )
    street = StrictCharField(required=False, allow_blank=True, max_length=200)
    city = StrictCharField(required=False, allow_blank=True, max_length=100)
    stateOrProvince = StrictCharField(required=False, max_length=2, help_text="A 2-letter subdivision code.")
    postalCode = StrictCharField(required=False, allow_blank=True, max_length=20)
    country = StrictCharField(required=False, max_length=2, help_text="An ISO 3166-1 alpha-2 code.")
    billingEmail = StrictCharField(required=False, max_length=254, help_text="The card's email address.")
    phoneNumber = StrictCharField(required=False, allow_blank=True, max_length=30)

    def validate_cardNumber(self, value: str) -> str:
        digits = card_number_normalize(value)
        if digits is None:
            raise serializers.ValidationError(
                "is not a valid card number (12 to 19 digits passing the Luhn check)"
            )
        return digits

    def validate_securityCode(self, value: str) -> str:
        if not (value.isascii() and value.isdigit() and 3 <= len(value) <= 4):
            raise serializers.ValidationError("must be 3 or 4 digits")
        return value

    def validate_country(self, value: str) -> str:
        if not country_valid(value):
            raise serializers.ValidationError("must be an ISO 3166-1 alpha-2 country code, such as US")
        return value

    def validate_billingEmail(self, value: str) -> str:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise serializers.ValidationError("must be an email address") from None
        return value.lower()

    def validate(self, attrs):
        if card_expired(month=attrs["expirationMonth"], year=attrs["expirationYear"]):
            raise serializers.ValidationError({"expirationYear": "with expirationMonth, is in the past"})
        state = attrs.get("stateOrProvince")
        if state is not None and not state_valid(state, country=attrs.get("country")):
            where = f" of {attrs['country']}" if attrs.get("country") else ""
            raise serializers.ValidationError(
                {"stateOrProvince": f"must be a 2-letter state or province code{where}, such as CA"}
            )
        return attrs


class CardSubscriptionOutput(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()


class PayWithCardEmailInput(serializers.Serializer):
    email = email_field(required=False, help_text="The email of the User; required when not signed in.")

    def validate_email(self, value: str) -> str:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise serializers.ValidationError("must be an email address") from None
        return value.lower()


class PayWithCardEmailOutput(serializers.Serializer):
    success = serializers.BooleanField()
