"""Tables of the technical endpoints: affiliate ads and the file server's files and renditions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from aimg_site.core.scoping import DomainScopedModel


class AffiliateAd(DomainScopedModel):
    """An affiliate ad one domain's front end may show (``getAffiliateAd``), managed in the console.

    An ad is a candidate while ``is_active`` and now lies in ``[starts_at, ends_at)`` (an empty
    bound is open); ``getAffiliateAd`` picks one candidate at random, each with probability
    proportional to its ``weight``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ad_text = models.CharField(max_length=500, help_text="The text shown (adText).")
    ad_link = models.URLField(max_length=2000, help_text="Where the ad leads (adLink).")
    weight = models.PositiveIntegerField(default=1, help_text="Relative chance of being picked (1 or more).")
    is_active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Shown from this time (empty: always).")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Shown until this time (empty: forever).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["domain", "is_active"], name="technical_ad_domain_active")]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="technical_ad_weight_positive"),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="technical_ad_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.ad_text[:60]


class StoredFile(models.Model):
    """One file of the file server (``uploadFile``): its metadata, and where its bytes are stored.

    ``id`` is the public identifier (the client's or a new UUID); it is never part of a storage
    name: the bytes live under ``storage_name``, a random name the server chose, so no id can
    reach outside the store. ``checksum`` is the sha256 of the bytes, computed while they were
    streamed in, and checked again by ``getFile``. Files belong to the deployment, not one domain
    (the reference's file server is one per environment).
    """

    id = models.CharField(primary_key=True, max_length=128)
    file_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.BigIntegerField()
    checksum = models.CharField(max_length=128)
    checksum_algorithm = models.CharField(max_length=10, default="sha256")
    storage_name = models.CharField(max_length=300, unique=True)
    custom_metadata = models.JSONField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.id} ({self.file_name})"


class FileRendition(models.Model):
    """A resized copy of an image file (``getFile`` with ``width``/``height``), kept in storage.

    Made on the first request for a size and mode, served from storage afterwards; removed with
    its file. ``width``/``height`` are the requested box (0 = not given).
    """

    class Mode(models.TextChoices):
        FIT = "fit", "Fit"
        FILL = "fill", "Fill"

    id = models.BigAutoField(primary_key=True)
    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    mode = models.CharField(max_length=4, choices=Mode.choices)
    storage_name = models.CharField(max_length=300, unique=True)
    content_type = models.CharField(max_length=255)
    size = models.BigIntegerField()
    checksum = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="sha256 of the rendition's bytes (empty: not checked).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["file", "width", "height", "mode"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "width", "height", "mode"], name="technical_rendition_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} {self.width}x{self.height} {self.mode}"


class LegacyRendition(models.Model):
    """A resized copy of a legacy file server's image (``getFile?fs=true`` with a size), kept in storage.

    Keyed by the legacy id (checked against ``FILE_ID_PATTERN``, never part of a storage name: the
    bytes lie under a random ``storage_name``), the requested box and mode. The legacy server's
    files may change, so a copy is served until ``expires_at`` only
    (``AIMG_LEGACY_RENDITION_SECONDS``) and made again after; the table is bounded
    (``AIMG_LEGACY_RENDITION_MAX`` rows: each new copy prunes expired ones and then the oldest).
    """

    id = models.BigAutoField(primary_key=True)
    legacy_id = models.CharField(max_length=128)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    mode = models.CharField(max_length=4, choices=FileRendition.Mode.choices)
    storage_name = models.CharField(max_length=300, unique=True)
    content_type = models.CharField(max_length=255)
    size = models.BigIntegerField()
    checksum = models.CharField(max_length=64, help_text="sha256 of the rendition's bytes.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["legacy_id", "width", "height", "mode"]
        constraints = [
            models.UniqueConstraint(
                fields=["legacy_id", "width", "height", "mode"], name="technical_legacy_rendition_once"
            ),
        ]
        indexes = [
            models.Index(fields=["expires_at"], name="technical_legacy_expiry"),
            models.Index(fields=["created_at"], name="technical_legacy_created"),
        ]

    def __str__(self) -> str:
        return f"legacy {self.legacy_id} {self.width}x{self.height} {self.mode}"
