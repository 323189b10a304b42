"""Writes of sessions: creating, rotating (sign-in) and ending them, and housekeeping."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Session, User
from aimg_site.api import ratelimit

from .selectors import session_digest, session_idle_cutoff

#: Guest users one client address may make per hour (a guest is made on an anonymous session's first
#: write): throwaway session ids cannot create unbounded users, sessions or likes (issue 13).
GUEST_CREATIONS_PER_ADDRESS = 30
ratelimit.register(
    ratelimit.GUEST_CREATION,
    f"{GUEST_CREATIONS_PER_ADDRESS}/hour",
    "Too many new anonymous sessions from this address; sign in, or reuse your session id.",
)


def session_ensure(*, key: uuid.UUID, client_address: str | None = None, user_agent: str = "") -> Session:
    """The row for ``key``, created (anonymous) if missing. Safe under concurrent calls."""
    digest = session_digest(key)
    session = Session.objects.select_related("user").filter(key_digest=digest).first()
    if session is not None:
        return session
    try:
        with transaction.atomic():
            return Session.objects.create(
                key_digest=digest,
                last_seen_at=timezone.now(),
                client_address=client_address,
                user_agent=user_agent[:300],
            )
    except IntegrityError:
        return Session.objects.select_related("user").get(key_digest=digest)


@transaction.atomic
def session_guest_user(*, key: uuid.UUID, client_address: str | None = None, user_agent: str = "") -> User:
    """The user behind an anonymous session, creating a guest user once.

    Locks the session row so two concurrent first writes make one guest. A
    client address makes at most ``GUEST_CREATIONS_PER_ADDRESS`` guests (and
    their sessions) an hour: past that, ``RateLimited`` before any row is written.
    """
    existing = Session.objects.select_related("user").filter(key_digest=session_digest(key)).first()
    if existing is None or existing.user_id is None:
        ratelimit.hit(ratelimit.GUEST_CREATION, key=client_address or "unknown")
    session = session_ensure(key=key, client_address=client_address, user_agent=user_agent)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.user_id is None:
        session.user = User.objects.create_user(is_guest=True)
        session.save(update_fields=["user"])
    return session.user


@transaction.atomic
def session_rotate(
    *,
    old_key: uuid.UUID | None,
    user: User,
    login_provider: str = "",
    client_address: str | None = None,
    user_agent: str = "",
) -> tuple[uuid.UUID, User | None]:
    """Sign ``user`` in on a new session id; the old id stops working (session fixation).

    Returns the new id and the guest user the old session carried (or
    ``None``), so the caller can move the guest's items to ``user``.
    """
    previous_guest = None
    if old_key is not None:
        old = Session.objects.select_for_update().filter(key_digest=session_digest(old_key)).first()
        if old is not None:
            if old.user_id and old.user.is_guest and old.user_id != user.pk:
                previous_guest = old.user
            old.delete()
    new_key = uuid.uuid4()
    Session.objects.create(
        key_digest=session_digest(new_key),
        user=user,
        is_authenticated=True,
        last_seen_at=timezone.now(),
        client_address=client_address,
        user_agent=user_agent[:300],
        login_provider=login_provider[:30],
    )
    return new_key, previous_guest


def session_end(*, key: uuid.UUID) -> bool:
    """Sign out: delete the session. ``False`` when there was none."""
    deleted, _ = Session.objects.filter(key_digest=session_digest(key)).delete()
    return deleted > 0


def sessions_end_for_user(*, user: User, except_key: uuid.UUID | None = None) -> int:
    """End every session of ``user`` (all domains' rows belong to one domain anyway), but one."""
    sessions = Session.all_domains.filter(user=user)
    if except_key is not None:
        sessions = sessions.exclude(key_digest=session_digest(except_key))
    deleted, _ = sessions.delete()
    return deleted


def sessions_delete_expired() -> int:
    """Delete every idle-expired session (periodic housekeeping; all domains)."""
    deleted, _ = Session.all_domains.filter(last_seen_at__lt=session_idle_cutoff(timezone.now())).delete()
    return deleted
