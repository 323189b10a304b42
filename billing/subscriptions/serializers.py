"""Input and output shapes of the subscription endpoints (unique names: they become schema components)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from accounts.fields import StrictCharField
from aimg_site.api.fields import BoolParam

MAX_EMAILS = 500


def _email(value: str, name: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError:
        raise serializers.ValidationError({name: "must be an email address"}) from None
    return value.strip().lower()


class SetAdminProvidedPremiumTierInput(serializers.Serializer):
    productId = StrictCharField(
        required=False, max_length=100, help_text="The product of the admin-provided tier."
    )
    productID = StrictCharField(
        required=False, max_length=100, help_text="Same as productId (either is accepted)."
    )
    email = StrictCharField(required=False, max_length=254, help_text="The email of the User.")
    emails = serializers.ListField(
        child=StrictCharField(max_length=254),
        required=False,
        allow_empty=False,
        max_length=MAX_EMAILS,
        help_text="Emails of the Users who get the same tier.",
    )
    tier = serializers.IntegerField(min_value=0, max_value=10, help_text="The tier.")
    isActive = BoolParam(help_text="Whether the tier is active.")
    deactivationDate = StrictCharField(
        required=False, max_length=40, help_text="When the tier stops (ISO 8601 with a timezone)."
    )
    additionalInformation = StrictCharField(required=False, allow_blank=True, max_length=2000)

    def validate_deactivationDate(self, value: str):
        parsed = parse_datetime(value)
        if parsed is None or parsed.tzinfo is None:
            raise serializers.ValidationError("must be an ISO 8601 date and time with a timezone")
        return parsed

    def validate(self, attrs):
        product = attrs.get("productId") or attrs.get("productID")
        if not product:
            raise serializers.ValidationError({"productId": "is required (or productID)"})
        attrs["product_id"] = product
        if attrs.get("email") and attrs.get("emails"):
            raise serializers.ValidationError({"emails": "give either email or emails, not both"})
        if attrs.get("email"):
            attrs["targets"] = [_email(attrs["email"], "email")]
            attrs["single"] = True
        elif attrs.get("emails"):
            targets = []
            for index, email in enumerate(attrs["emails"]):
                value = _email(email, f"emails[{index}]")
                if value not in targets:
                    targets.append(value)
            attrs["targets"] = targets
            attrs["single"] = False
        else:
            raise serializers.ValidationError({"email": "is required (or emails)"})
        return attrs


class AdminPremiumTierOutput(serializers.Serializer):
    _id = serializers.CharField(required=False)
    domain = serializers.CharField()
    paymentProvider = serializers.CharField()
    productId = serializers.CharField()
    email = serializers.CharField(required=False)
    emails = serializers.ListField(child=serializers.CharField(), required=False)
    tier = serializers.IntegerField()
    isActive = serializers.BooleanField()
    createdDate = serializers.CharField()
    updatedDate = serializers.CharField()
    deactivationDate = serializers.CharField(required=False)
    env = serializers.CharField()
    additionalInformation = serializers.CharField(required=False)


class CancelMembershipOutput(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()
