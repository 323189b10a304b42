"""A short-lived cache of what a session id resolves to, keyed by domain and the session's digest.

Resolving ``X-Session-ID`` is the one lookup every request makes. With this
cache (the Django cache: Redis in production) a request finds the session row
with its user, or the fact that there is no row, without a query, for at most
``AIMG_SESSION_CACHE_SECONDS`` and never past the moment its last-seen time is
due to be refreshed (so refreshes still happen, on a miss).

Every change that could alter what an id resolves to forgets it, at once and
again when the transaction commits:

* a session row saved or deleted (sign-in and rotation, sign-out, a guest made,
  every session of a user ended by a password change, a ban or a deletion,
  expiry, a cascade): the ``post_save``/``post_delete`` signals of ``Session``;
* a user saved (username, email, password, flags, deletion): ``post_save`` of
  ``User`` forgets all of that user's sessions; services that change users with
  ``QuerySet.update`` call ``sessions_forget_user`` themselves.

Forgetting writes a tombstone, and entries are only ever added
(``cache.add``) where no key is, so a request that read the row before a
change cannot store what it read afterwards: the id is read from the database
until the tombstone expires, ``TOMBSTONE_SECONDS`` later (far longer than a
read and its store take: one query and at most one conditional UPDATE).

An entry is the two rows' column values (``_pack``), not the pickled model
instances: unpickling a ``Session`` with its ``User`` (their states, Django's
version stamp, the cached relation) was a tenth of a cached request's CPU.
The values carry the columns' names' digest (``LAYOUT``), so an entry written
by a release with other columns is a miss, never a row read wrongly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from accounts.models import Session, User

KEY_PREFIX = "aimg:session:"
#: Stored for an id without a row (an anonymous session); ``None`` is the cache's "no key".
NO_ROW = "none"
#: Stored by ``forget``: the id is read from the database (and not cached) while it lasts.
TOMBSTONE = "forgotten"
TOMBSTONE_SECONDS = 10
#: The keys' version: tests move it on so that no entry outlives the database rows of a test.
version = 1

_SESSION_COLUMNS = tuple(field.attname for field in Session._meta.concrete_fields)
_USER_COLUMNS = tuple(field.attname for field in User._meta.concrete_fields)
#: Which columns an entry holds, in order: entries of another layout are not read.
LAYOUT = hashlib.sha256(repr((_SESSION_COLUMNS, _USER_COLUMNS)).encode()).hexdigest()[:16]


def _pack(session: Session) -> tuple:
    user = session.user
    user_values = None if user is None else tuple(getattr(user, name) for name in _USER_COLUMNS)
    return (LAYOUT, tuple(getattr(session, name) for name in _SESSION_COLUMNS), user_values)


def _loaded(model, columns: tuple[str, ...], values: tuple):
    """An instance of ``model`` as a query would load it (``Model.from_db``), without ``__init__``."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(columns, values, strict=True))
    state = instance._state = ModelState()
    state.adding, state.db = False, DEFAULT_DB_ALIAS
    return instance


def _unpack(value) -> Session | None:
    """The session (with its user) of a ``_pack`` entry; ``None`` for anything else."""
    if not (isinstance(value, tuple) and len(value) == 3 and value[0] == LAYOUT):
        return None
    _, session_values, user_values = value
    session = _loaded(Session, _SESSION_COLUMNS, session_values)
    session._state.fields_cache["user"] = (
        None if user_values is None else _loaded(User, _USER_COLUMNS, user_values)
    )
    return session


def _key(domain_id: int, digest: str) -> str:
    # A digest is unique within a domain: the same id is another session on another site.
    return f"{KEY_PREFIX}{domain_id}:{digest}"


def enabled() -> bool:
    return settings.AIMG_SESSION_CACHE_SECONDS > 0


def lookup(domain_id: int, digest: str) -> tuple[bool, Session | None]:
    """``(True, session or None)`` when the cache knows what ``digest`` resolves to in the domain,
    else ``(False, None)``."""
    if not enabled():
        return False, None
    # Redis's tracked reads (aimg_site.cache: kept in memory until Redis says the key changed);
    # other cache backends (tests without Redis) read as usual.
    read = getattr(cache, "get_tracked", cache.get)
    value = read(_key(domain_id, digest), version=version)
    if value is None or value == TOMBSTONE:
        return False, None
    if value == NO_ROW:
        return True, None
    session = _unpack(value)
    return (True, session) if session is not None else (False, None)


def remember(domain_id: int, digest: str, session: Session | None) -> None:
    """Store what ``digest`` resolves to in the domain (the session with its user, or no row), unless
    a key is there."""
    if not enabled():
        return
    timeout: float = settings.AIMG_SESSION_CACHE_SECONDS
    if session is not None:
        # Gone before the last-seen time is due a refresh, so the refresh happens on a miss.
        due = session.last_seen_at + dt.timedelta(seconds=settings.AIMG_SESSION_TOUCH_SECONDS)
        timeout = min(timeout, (due - timezone.now()).total_seconds())
        if timeout < 1:
            return
    value = _pack(session) if session is not None else NO_ROW
    cache.add(_key(domain_id, digest), value, timeout=timeout, version=version)


def forget(sessions) -> None:
    """Tombstone ``sessions`` (``(domain_id, digest)`` pairs) now and again once the current
    transaction commits."""
    sessions = list(sessions)
    if not sessions or not enabled():
        return
    keys = [_key(domain_id, digest) for domain_id, digest in sessions]

    def tombstone() -> None:
        cache.set_many(dict.fromkeys(keys, TOMBSTONE), timeout=TOMBSTONE_SECONDS, version=version)

    tombstone()
    transaction.on_commit(tombstone)


def sessions_forget_user(*, user_id: uuid.UUID) -> None:
    """Forget every session of a user, whose row changed (a service that used ``QuerySet.update``)."""
    if not enabled():
        return
    forget(Session.all_domains.filter(user_id=user_id).values_list("domain_id", "key_digest"))


def on_session_changed(sender, instance: Session, **kwargs) -> None:
    forget([(instance.domain_id, instance.key_digest)])


def on_user_saved(sender, instance, created: bool = False, raw: bool = False, **kwargs) -> None:
    if not created and not raw:
        sessions_forget_user(user_id=instance.pk)
