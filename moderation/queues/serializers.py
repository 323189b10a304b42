"""Shapes of the report-queue endpoint: ``getReportQueues`` answers an array of strings."""

from __future__ import annotations

#: The payload's items (``output_serializer`` with ``output_many``: an array of these).
QUEUE_NAME_SCHEMA = {"type": "string", "description": "A report queue name, e.g. 'Not Specified'."}
