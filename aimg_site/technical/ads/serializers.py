"""Output of getAffiliateAd."""

from rest_framework import serializers


class AffiliateAdOutput(serializers.Serializer):
    adText = serializers.CharField(
        source="ad_text", help_text="The affiliate ad text; an empty string when no ad is active."
    )
    adLink = serializers.CharField(
        source="ad_link", help_text="The affiliate ad link; an empty string when no ad is active."
    )
