"""``X-Session-ID`` and ``X-Administration-Key`` (CONTRACT.md "Sessions and identity").

DRF calls ``SessionHeaderAuthentication`` for every API view; it leaves a
``RequestIdentity`` in ``request.auth`` and the session's user (or an
``AnonymousUser``) in ``request.user``. Views say what they need through
``ApiView.session_policy`` and ``ApiView.admin_policy``; services receive
plain users, never requests.

This layer knows no app: the app that owns users, sessions and admin keys
registers an ``IdentityResolver`` at start-up (``register_identity_resolver``,
called by ``accounts.apps.AccountsConfig.ready``), and everything here works on
that interface and the ``Identity*`` protocols only.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from rest_framework.authentication import BaseAuthentication

from .clientip import client_address
from .exceptions import AdminRequired, InvalidParameter, NotAuthenticated
from .params import parse_uuid

SESSION_HEADER = "X-Session-ID"
ADMIN_HEADER = "X-Administration-Key"


class IdentityUser(Protocol):
    """What this layer reads of a user (``settings.AUTH_USER_MODEL``)."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_guest(self) -> bool: ...

    @property
    def is_disabled(self) -> bool: ...


class IdentitySession(Protocol):
    """What this layer reads of a live session: its user (``None`` while anonymous) and whether it
    was opened by signing in."""

    @property
    def user(self) -> IdentityUser | None: ...

    @property
    def is_authenticated(self) -> bool: ...


class IdentityAdminKey(Protocol):
    """An active admin key and the staff user it belongs to."""

    @property
    def user(self) -> IdentityUser: ...


class IdentityResolver(Protocol):
    """Who a session id or an admin key belongs to, in the bound domain."""

    def session_resolve(self, *, key: uuid.UUID) -> IdentitySession | None:
        """The live session for ``key``, or ``None`` (unknown, expired or ended)."""
        ...

    def session_guest_user(
        self, *, key: uuid.UUID, client_address: str | None, user_agent: str
    ) -> IdentityUser:
        """The user behind the session ``key``, creating the session and a guest user when missing."""
        ...

    def admin_key_find(self, *, raw_key: str) -> IdentityAdminKey | None:
        """The active admin key matching ``raw_key``, or ``None``."""
        ...


_resolver: IdentityResolver | None = None


def register_identity_resolver(resolver: IdentityResolver) -> None:
    """Install the resolver every request is identified with (once, from an ``AppConfig.ready``)."""
    global _resolver
    _resolver = resolver


def identity_resolver() -> IdentityResolver:
    if _resolver is None:
        raise ImproperlyConfigured("No identity resolver is registered: is the accounts app installed?")
    return _resolver


def session_resolve(*, key: uuid.UUID) -> IdentitySession | None:
    return identity_resolver().session_resolve(key=key)


def session_guest_user(*, key: uuid.UUID, client_address: str | None, user_agent: str) -> IdentityUser:
    return identity_resolver().session_guest_user(
        key=key, client_address=client_address, user_agent=user_agent
    )


def admin_key_find(*, raw_key: str) -> IdentityAdminKey | None:
    return identity_resolver().admin_key_find(raw_key=raw_key)


class SessionPolicy(enum.Enum):
    REQUIRED = "required"  # missing header: 400
    CREATE = "create"  # missing header: a new session id, returned in payload.sessionID
    NONE = "none"  # technical endpoints: the header is ignored


class AdminPolicy(enum.Enum):
    NONE = "none"  # the key header is ignored
    OPTIONAL = "optional"  # a valid key makes the caller an Admin; an invalid one is a 403
    REQUIRED = "required"  # no valid key: 403


@dataclass
class RequestIdentity:
    """Who is calling: the session id, its row (if any), and the admin key (if any)."""

    session_key: uuid.UUID | None
    session: IdentitySession | None
    admin_key: IdentityAdminKey | None = None
    issued_session_key: bool = False
    client_address: str | None = None
    user_agent: str = ""
    # Set by session rotation so the response carries the new id in X-Session-ID.
    response_session_key: uuid.UUID | None = field(default=None)

    @property
    def user(self) -> IdentityUser | None:
        """The session's user: a signed-in user or a guest; ``None`` for an anonymous session."""
        if self.session is None or self.session.user is None:
            return None
        user = self.session.user
        if user.is_disabled or not user.is_active:
            return None
        return user

    @property
    def signed_in_user(self) -> IdentityUser | None:
        user = self.user
        if user is None or user.is_guest or self.session is None or not self.session.is_authenticated:
            return None
        return user

    @property
    def is_admin(self) -> bool:
        return self.admin_key is not None

    def require_signed_in(self) -> IdentityUser:
        user = self.signed_in_user
        if user is None:
            raise NotAuthenticated()
        return user

    def owner(self) -> IdentityUser:
        """The user who owns what this session creates: the signed-in user, or a guest made now."""
        user = self.user
        if user is not None:
            return user
        if self.session_key is None:
            raise NotAuthenticated()
        user = session_guest_user(
            key=self.session_key, client_address=self.client_address, user_agent=self.user_agent
        )
        self.session = session_resolve(key=self.session_key)
        return user


def _parse_session_key(raw: str) -> uuid.UUID:
    return parse_uuid(raw, SESSION_HEADER)


def identify(request, *, session_policy: SessionPolicy, admin_policy: AdminPolicy) -> RequestIdentity:
    django_request = getattr(request, "_request", request)
    raw_session = django_request.META.get("HTTP_X_SESSION_ID")
    identity = RequestIdentity(
        session_key=None,
        session=None,
        client_address=client_address(django_request),
        user_agent=django_request.META.get("HTTP_USER_AGENT", "")[:300],
    )
    if session_policy is not SessionPolicy.NONE:
        if raw_session:
            identity.session_key = _parse_session_key(raw_session)
            identity.session = session_resolve(key=identity.session_key)
        elif session_policy is SessionPolicy.CREATE:
            identity.session_key = uuid.uuid4()
            identity.issued_session_key = True
        else:
            raise InvalidParameter(SESSION_HEADER, "header is required")
    if admin_policy is not AdminPolicy.NONE:
        raw_key = django_request.META.get("HTTP_X_ADMINISTRATION_KEY")
        if raw_key:
            identity.admin_key = admin_key_find(raw_key=raw_key)
            if identity.admin_key is None:
                raise AdminRequired(f"The {ADMIN_HEADER} header is not a valid key.")
        elif admin_policy is AdminPolicy.REQUIRED:
            raise AdminRequired()
    return identity


class SessionHeaderAuthentication(BaseAuthentication):
    """Resolves the identity per the view's policies (defaults: session required, no admin)."""

    def authenticate(self, request):
        view = (getattr(request, "parser_context", None) or {}).get("view")
        identity = identify(
            request,
            session_policy=getattr(view, "session_policy", SessionPolicy.REQUIRED),
            admin_policy=getattr(view, "admin_policy", AdminPolicy.NONE),
        )
        return (identity.user or AnonymousUser(), identity)

    def authenticate_header(self, request):
        return SESSION_HEADER
