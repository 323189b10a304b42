"""Platform tables: the sites this deployment serves and the admin audit log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from .scoping import DomainScopedModel


class Domain(models.Model):
    """One site served by this deployment (``sexy.ai``, ``freejourney.ai``).

    Rows are seeded by a data migration. Requests are mapped to a domain by
    their Host (``api.<name>`` and ``staging-api.<name>``); see
    ``aimg_site.core.selectors.domain_for_host``.
    """

    class Environment(models.TextChoices):
        PROD = "prod", "Production"
        STAGING = "staging", "Staging"

    name = models.CharField(max_length=100, unique=True, help_text="e.g. freejourney.ai")
    display_name = models.CharField(max_length=100)
    frontend_url = models.URLField()
    environment = models.CharField(max_length=10, choices=Environment.choices, default=Environment.PROD)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AuditLogEntry(DomainScopedModel):
    """One call of an admin endpoint or staff command: who did what, when, on what.

    Written by ``aimg_site.core.services.audit_log_record`` only.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    admin_key = models.ForeignKey(
        "accounts.AdminKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=100, help_text="The endpoint's operation id or the command's name.")
    target_type = models.CharField(max_length=50, blank=True)
    target_id = models.CharField(max_length=100, blank=True, db_index=True)
    details = models.JSONField(default=dict, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "audit log entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_type}:{self.target_id}"
