"""Input and output shapes of the Scenario endpoints."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from aimg_site.api.fields import UUIDListField
from integrations.models import UploadStatus

#: The most ids a status query takes (sends are bounded by AIMG_SCENARIO_MAX_ITEMS_PER_SEND).
MAX_STATUS_IDS = 100


class ConnectScenarioInput(serializers.Serializer):
    apiKey = serializers.CharField(
        max_length=500, help_text="Your Scenario API key (stored encrypted, never shown)."
    )
    apiSecret = serializers.CharField(
        max_length=500, help_text="Your Scenario API secret (stored encrypted, never shown)."
    )


class ScenarioConnectionOutput(serializers.Serializer):
    connected = serializers.BooleanField()
    connectedDate = serializers.DateTimeField(allow_null=True, help_text="When the key was connected.")


class SendToScenarioInput(serializers.Serializer):
    imageIDs = UUIDListField(
        allow_empty=False,
        max_items=100,
        help_text=f"The Items to send (your own, completed); at most {settings.AIMG_SCENARIO_MAX_ITEMS_PER_SEND} per call.",
    )


class ScenarioStatusQuery(serializers.Serializer):
    imageIDs = UUIDListField(allow_empty=False, max_items=MAX_STATUS_IDS, help_text="At most 100 item ids.")


class ScenarioItemStatusOutput(serializers.Serializer):
    imageID = serializers.UUIDField()
    status = serializers.ChoiceField(
        choices=[("none", "Never sent"), *UploadStatus.choices],
        help_text="none (never sent), queued, uploading, processing, imported or failed.",
    )
    assetID = serializers.CharField(allow_null=True, help_text="Scenario's asset id once imported.")
    errorMessage = serializers.CharField(
        allow_null=True, help_text="Why it failed, or what is being retried."
    )
    sendID = serializers.UUIDField(allow_null=True)
    updatedDate = serializers.DateTimeField(allow_null=True)


class SendToScenarioOutput(serializers.Serializer):
    sendID = serializers.UUIDField()
    items = ScenarioItemStatusOutput(many=True)
