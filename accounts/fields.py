"""Serializer fields shared by the accounts concerns' input shapes."""

from __future__ import annotations

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A JSON string, and only a string: a number, boolean, object or array is a 400.

    DRF's ``CharField`` turns numbers into strings, which silently changes
    what was meant (an OTP sent as the number ``012345`` arrives as
    ``"12345"``, a wrong code instead of a clear error). Query parameters are
    always strings, so this only tightens JSON bodies.
    """

    default_error_messages = {"invalid": "must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def email_field(required: bool = True, help_text: str = "The email of the User.") -> serializers.CharField:
    return StrictCharField(required=required, max_length=254, help_text=help_text)


def password_field(help_text: str = "The chosen password of the User.") -> serializers.CharField:
    return StrictCharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=4096, help_text=help_text
    )


def otp_field() -> serializers.CharField:
    return StrictCharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="The One-Time Password (OTP) provided to the User via email.",
    )


AGE_CONFIRMED_HELP = "Whether the User has confirmed being 18+ years old."
