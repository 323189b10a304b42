"""Tables of the integrations: a user's Scenario connection, sends and per-item uploads.

Civitai needs no table: its links are signed and carry what they need.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from aimg_site.core.scoping import DomainScopedModel


class ScenarioConnection(DomainScopedModel):
    """A user's Scenario API key and secret, encrypted at rest (``integrations.crypto``).

    One per user. The key and secret were accepted by Scenario when they were connected; they are
    never returned by the API nor logged. Deleted on disconnect.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scenario_connection"
    )
    api_key_encrypted = models.TextField()
    api_secret_encrypted = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Scenario connection of {self.user_id}"


class ScenarioSend(DomainScopedModel):
    """One ``sendToScenario`` call: the Items a user chose to send together."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Scenario send {self.id}"


class UploadStatus(models.TextChoices):
    """Where one Item's upload stands: queued → uploading → processing → imported | failed."""

    QUEUED = "queued", "Queued"
    UPLOADING = "uploading", "Uploading"
    PROCESSING = "processing", "Processing by Scenario"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Failed"


ACTIVE_UPLOAD_STATUSES = (UploadStatus.QUEUED, UploadStatus.UPLOADING, UploadStatus.PROCESSING)


class ScenarioUpload(models.Model):
    """One Item of one send, and its upload to Scenario; at most one row per (send, item).

    A task claims the row with a conditional update that sets ``lease_until``; a redelivered task
    finds the lease held (or the row finished) and does nothing, and a worker that died leaves a
    lease that expires, after which the next delivery resumes from what is recorded:
    ``scenario_upload_id`` (Scenario's upload, created) and ``status`` (``processing`` once its
    completion was triggered). Reached through the domain-scoped send.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    send = models.ForeignKey(ScenarioSend, on_delete=models.CASCADE, related_name="uploads")
    item = models.ForeignKey("library.Item", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.QUEUED)
    scenario_upload_id = models.CharField(max_length=200, blank=True, default="")
    asset_id = models.CharField(max_length=200, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["send", "item"], name="integrations_upload_once_per_send"),
        ]
        indexes = [
            # getScenarioStatus: an item's latest upload
            models.Index(fields=["item", "created_at"], name="integrations_upload_item_idx"),
            models.Index(
                fields=["lease_until"],
                condition=Q(status__in=["queued", "uploading", "processing"]),
                name="integrations_upload_active_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"upload of {self.item_id} ({self.status})"
