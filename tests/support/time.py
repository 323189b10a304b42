"""Time helpers: wire dates, dates long ago, and "stamped after" with slack for a stepped clock."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

#: When ``make_folder``'s folders were last updated: long before any test runs.
FOLDER_UPDATED_LONG_AGO = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
#: How far two wall-clock readings (test code, then a request) may disagree: the wall clock of a
#: virtual machine can be stepped back by time synchronisation, so "after" is checked with slack.
CLOCK_SLACK = dt.timedelta(seconds=2)


def stamped_since(value: dt.datetime, started: dt.datetime) -> bool:
    """``value`` was stamped by a write that ran after ``started`` (see ``CLOCK_SLACK``)."""
    return started - CLOCK_SLACK <= value <= timezone.now() + CLOCK_SLACK


def when(text: str) -> dt.datetime:
    """A wire date (ISO 8601, ``Z`` for UTC) as an aware datetime."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
