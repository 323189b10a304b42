"""Reads of sessions: digests and the live session behind an id."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from django.conf import settings
from django.utils import timezone

from accounts.models import Session, User
from accounts.users.abuse import ABUSE_LEVEL_BANNED
from aimg_site.core.scoping import current_domain

from . import cache as session_cache


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
    do not write. What an id resolves to is cached for a few seconds
    (``accounts.sessions.cache``, which every change to the row or its user forgets).
    """
    digest, domain_id = session_digest(key), current_domain().pk
    known, session = session_cache.lookup(domain_id, digest)
    if not known:
        session = Session.objects.select_related("user").filter(key_digest=digest).first()
        if session is not None and not _session_is_live(session, timezone.now()):
            Session.objects.filter(pk=session.pk).delete()
            return None
        if session is not None:
            _touch(session)
        session_cache.remember(domain_id, digest, session)
    if session is None:
        return None
    if known and not _session_is_live(session, timezone.now()):
        Session.objects.filter(pk=session.pk).delete()
        return None
    return session


def _session_is_live(session: Session, now: dt.datetime) -> bool:
    return session.last_seen_at >= session_idle_cutoff(now) and not _user_may_not_have_sessions(session.user)


def _touch(session: Session) -> None:
    now = timezone.now()
    threshold = now - dt.timedelta(seconds=settings.AIMG_SESSION_TOUCH_SECONDS)
    if session.last_seen_at < threshold:
        Session.objects.filter(pk=session.pk, last_seen_at__lt=threshold).update(last_seen_at=now)
        session.last_seen_at = now
