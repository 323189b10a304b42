"""Input and output shapes of the key-value pair endpoints (unique names: they become schema components)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.fields import StrictCharField

# --- Inputs ---------------------------------------------------------------------------


class KVPKeyQuery(serializers.Serializer):
    key = StrictCharField(max_length=128, trim_whitespace=False, help_text="The key (1-128 characters).")


class SetUserKVPInput(serializers.Serializer):
    key = StrictCharField(max_length=128, trim_whitespace=False, help_text="The key (1-128 characters).")
    value = StrictCharField(
        allow_blank=True, trim_whitespace=False, help_text="The value (at most 64 KiB of UTF-8)."
    )


# --- Outputs ----------------------------------------------------------------------------


class KVPOutput(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.CharField()
