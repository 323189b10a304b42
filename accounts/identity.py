"""The accounts side of the shared layer's ``IdentityResolver`` (``aimg_site.api.authentication``).

``AccountsConfig.ready`` registers it, so the shared layer identifies callers
with accounts' sessions and admin keys without importing this app.
"""

from __future__ import annotations

import uuid

from .admin_keys import selectors as admin_key_selectors
from .models import AdminKey, Session, User
from .sessions import selectors as session_selectors
from .sessions import services as session_services


class AccountsIdentityResolver:
    """Sessions resolve through ``accounts.sessions``; admin keys through ``accounts.admin_keys``."""

    def session_resolve(self, *, key: uuid.UUID) -> Session | None:
        return session_selectors.session_resolve(key=key)

    def session_guest_user(self, *, key: uuid.UUID, client_address: str | None, user_agent: str) -> User:
        return session_services.session_guest_user(
            key=key, client_address=client_address, user_agent=user_agent
        )

    def admin_key_find(self, *, raw_key: str) -> AdminKey | None:
        return admin_key_selectors.admin_key_find(raw_key=raw_key)
