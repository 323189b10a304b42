"""Platform housekeeping tasks (scheduled by beat; see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="core.purge_expired_sessions")
def purge_expired_sessions() -> int:
    """Delete sessions idle longer than AIMG_SESSION_IDLE_DAYS, in every domain."""
    from accounts.sessions import sessions_delete_expired

    return sessions_delete_expired()
