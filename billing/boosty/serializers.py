"""Input and output shapes of the Boosty endpoint (unique names: they become schema components)."""

from __future__ import annotations

import json

from rest_framework import serializers

from accounts.fields import StrictCharField

MAX_COOKIES = 100
MAX_COOKIE_VALUE = 8192
MAX_COOKIES_BYTES = 64 * 1024


class BoostyCookieInput(serializers.Serializer):
    """One exported cookie: ``name`` and ``value`` (other keys the export carries are kept)."""

    name = StrictCharField(max_length=256)
    value = StrictCharField(max_length=MAX_COOKIE_VALUE, allow_blank=True, trim_whitespace=False)

    def to_internal_value(self, data):
        validated = super().to_internal_value(data)
        extra = {k: v for k, v in data.items() if k not in validated and isinstance(k, str)}
        return {**extra, **validated}


class InjectBoostyAdminAccountCookiesInput(serializers.Serializer):
    accountId = StrictCharField(max_length=100, help_text="The Boosty admin account (the id in its URL).")
    domainIdentifier = StrictCharField(
        required=False, max_length=100, help_text="The domain (e.g. sexy.ai); the current one when absent."
    )
    cookies = serializers.ListField(
        child=BoostyCookieInput(),
        allow_empty=False,
        max_length=MAX_COOKIES,
        help_text="The exported cookies (JSON objects).",
    )

    def validate_accountId(self, value: str) -> str:
        if not all(ch.isascii() and (ch.isalnum() or ch in "-_.") for ch in value):
            raise serializers.ValidationError("must be letters, digits, '-', '_' or '.'")
        return value

    def validate_cookies(self, value: list[dict]) -> list[dict]:
        if len(json.dumps(value)) > MAX_COOKIES_BYTES:
            raise serializers.ValidationError(f"must be at most {MAX_COOKIES_BYTES} bytes of JSON")
        return value


class InjectBoostyCookiesOutput(serializers.Serializer):
    success = serializers.BooleanField()
