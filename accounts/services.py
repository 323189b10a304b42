"""Every write of the accounts app: sign-up, sign-in, profile, KVPs, abuse, deletion.

Functions are keyword-only and typed; the ones that write more than once are
atomic. They raise the typed errors of ``aimg_site.api.exceptions`` and never
see a request.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from .abuse import abuse_assert_can_sign_in
from .models import User, UserLoginProvider
from .sessions import session_rotate

INTERNAL_LOGIN_PROVIDERS = frozenset(UserLoginProvider.Provider.values)


def _record_login_provider(*, user: User, login_provider: str) -> None:
    if login_provider not in INTERNAL_LOGIN_PROVIDERS:
        return  # OAuth providers are known from allauth's SocialAccount rows
    now = timezone.now()
    updated = UserLoginProvider.objects.filter(user=user, provider_id=login_provider).update(last_used_at=now)
    if not updated:
        UserLoginProvider.objects.get_or_create(
            user=user, provider_id=login_provider, defaults={"last_used_at": now}
        )


@transaction.atomic
def user_sign_in(
    *,
    user: User,
    old_session_key: uuid.UUID | None,
    login_provider: str,
    client_address: str | None = None,
    user_agent: str = "",
) -> uuid.UUID:
    """Sign ``user`` in on a new session id and return it (the old id stops working).

    Refuses (``Forbidden``) a disabled account or abuse level 9. What the
    previous session's guest made moves to ``user`` (and a guest's 18+
    confirmation with it). ``login_provider`` is ``"OTP"``, ``"Password"`` or an
    OAuth provider id; the internal ones are recorded for ``getUser``.
    """
    from library.services import library_transfer_user_items

    abuse_assert_can_sign_in(user=user)
    new_key, guest = session_rotate(
        old_key=old_session_key,
        user=user,
        login_provider=login_provider,
        client_address=client_address,
        user_agent=user_agent,
    )
    if guest is not None:
        library_transfer_user_items(from_user=guest, to_user=user)
        if guest.is_at_least_18_confirmed and not user.is_at_least_18_confirmed:
            user.is_at_least_18_confirmed = True
            user.save(update_fields=["is_at_least_18_confirmed", "updated_at"])
    _record_login_provider(user=user, login_provider=login_provider)
    return new_key
