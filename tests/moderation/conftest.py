"""Fixtures of the moderation tests."""

from __future__ import annotations

import pytest

from aimg_site.core.models import AuditLogEntry


@pytest.fixture
def audits():
    """``audits(action)``: how many audit-log rows of ``action`` exist."""

    def count(action: str) -> int:
        return AuditLogEntry.objects.filter(action=action).count()

    return count
