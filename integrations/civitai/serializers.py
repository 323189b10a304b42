"""Input and output shapes of the Civitai endpoints."""

from __future__ import annotations

from rest_framework import serializers

from aimg_site.api.fields import CommaListField


class CivitaiTagListField(CommaListField):
    item_max_length = 64


class CivitaiPostIntentQuery(serializers.Serializer):
    imageID = serializers.UUIDField(help_text="The Item to post (the caller's own).")
    title = serializers.CharField(
        required=False, max_length=100, help_text="The post's title; the start of the prompt when absent."
    )
    description = serializers.CharField(
        required=False, max_length=2000, help_text="The post's description; the prompt when absent."
    )
    tags = CivitaiTagListField(
        required=False,
        max_items=5,
        help_text="Tags put before the Item's own (comma-separated); at most 5 are sent, deduplicated.",
    )


class CivitaiPostIntentOutput(serializers.Serializer):
    intentUrl = serializers.URLField(help_text="Open this in the browser: Civitai's post page, filled in.")
    mediaUrl = serializers.URLField(
        help_text="Signed link to the media (no session needed) until expiresDate."
    )
    detailsUrl = serializers.URLField(
        help_text="Signed link to the details Civitai reads, until expiresDate."
    )
    expiresDate = serializers.DateTimeField(help_text="When mediaUrl and detailsUrl stop working.")


class CivitaiLinkQuery(serializers.Serializer):
    token = serializers.CharField(
        max_length=1000, help_text="The signed token of a link from getCivitaiPostIntent."
    )


class CivitaiSourceOutput(serializers.Serializer):
    name = serializers.CharField()
    homepage = serializers.URLField()


class CivitaiDetailsOutput(serializers.Serializer):
    """Civitai's details JSON (not wrapped in the envelope: Civitai reads it as is)."""

    source = CivitaiSourceOutput()  # type: ignore[assignment]  # a field named like Field.source
    createUrl = serializers.URLField()
    referenceUrl = serializers.URLField()
    details = serializers.DictField(
        child=serializers.JSONField(), help_text="At most 10 string, number or boolean values."
    )
