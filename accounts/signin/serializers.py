"""Input and output shapes of the sign-in endpoints (unique names: they become schema components)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.fields import AGE_CONFIRMED_HELP, StrictCharField, email_field, otp_field, password_field
from aimg_site.api.fields import BoolParam, CommaListField

# --- Inputs ---------------------------------------------------------------------------


class CreateUserInput(serializers.Serializer):
    email = email_field()
    username = StrictCharField(
        required=False, allow_blank=True, max_length=64, help_text="The chosen username."
    )
    password = password_field()
    otp = otp_field()
    isAtLeast18Confirmed = BoolParam(required=False, help_text=AGE_CONFIRMED_HELP)
    refList = CommaListField(
        required=False,
        max_items=50,
        help_text="Browser referrers (a JSON array or a comma-separated string).",
    )
    rs = StrictCharField(required=False, allow_blank=True, max_length=200, help_text="An affiliate referrer.")


class AuthenticateUserInput(serializers.Serializer):
    email = email_field()
    password = password_field()
    otp = otp_field()
    isAtLeast18Confirmed = BoolParam(required=False, help_text=AGE_CONFIRMED_HELP)


class RequestOTPInput(serializers.Serializer):
    email = email_field()
    signUp = BoolParam(
        required=False,
        help_text="True when signing up (or changing the email): an already registered email is a 409.",
    )


# --- Outputs ----------------------------------------------------------------------------


class SuccessMessageOutput(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()
