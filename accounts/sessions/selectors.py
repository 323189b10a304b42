"""Reads of sessions: digests and the live session behind an id."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from django.conf import settings
from django.utils import timezone

from accounts.models import Session, User
from accounts.users.abuse import ABUSE_LEVEL_BANNED


def session_digest(key: uuid.UUID) -> str:
    return hashlib.sha256(str(key).encode()).hexdigest()


def session_idle_cutoff(now: dt.datetime) -> dt.datetime:
    """Sessions last seen before this moment have expired (``AIMG_SESSION_IDLE_DAYS``)."""
    return now - dt.timedelta(days=settings.AIMG_SESSION_IDLE_DAYS)


def _user_may_not_have_sessions(user: User | None) -> bool:
    """Deleted, deactivated or abuse level 9: their sessions were ended, and one that slipped
    through (a request under way at that moment) is ended when next seen."""
    return user is not None and (
        user.is_disabled or not user.is_active or user.abuse_level >= ABUSE_LEVEL_BANNED
    )


def session_resolve(*, key: uuid.UUID) -> Session | None:
    """The live session row for ``key`` in the bound domain, or ``None``.

    An expired row (idle longer than ``AIMG_SESSION_IDLE_DAYS``), or one whose
    user is deleted, deactivated or at abuse level 9, is deleted and ``None``
    returned. ``last_seen_at`` is refreshed at most every
    ``AIMG_SESSION_TOUCH_SECONDS`` with a conditional UPDATE, so most reads
    do not write.
    """
    session = Session.objects.select_related("user").filter(key_digest=session_digest(key)).first()
    if session is None:
        return None
    now = timezone.now()
    if session.last_seen_at < session_idle_cutoff(now) or _user_may_not_have_sessions(session.user):
        Session.objects.filter(pk=session.pk).delete()
        return None
    threshold = now - dt.timedelta(seconds=settings.AIMG_SESSION_TOUCH_SECONDS)
    if session.last_seen_at < threshold:
        Session.objects.filter(pk=session.pk, last_seen_at__lt=threshold).update(last_seen_at=now)
        session.last_seen_at = now
    return session
