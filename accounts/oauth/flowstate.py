"""What ``POST /auth/{loginProvider}`` must hand to the provider's callback.

The redirect URL, the caller's ``X-Session-ID`` and the sign-up extras travel
server-side: they are stored in allauth's state (kept in the Django session
of the browser that started the login, under a random ``state`` id that the
provider echoes back). Nothing from the callback's query string is trusted
except that id.

The ``X-Session-ID`` is a bearer credential that we otherwise only store
hashed, and an abandoned login leaves its state in the ``django_session``
table until that row expires. So the whole record is sealed (Fernet:
AES-128-CBC + HMAC-SHA256, key derived from ``SECRET_KEY``) and only opens
for ``FLOW_MAX_AGE_SECONDS``.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import asdict, dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from django.utils.crypto import salted_hmac

#: allauth forgets a state after 10 minutes (``statekit.STATE_TTL``); allow a little more.
FLOW_MAX_AGE_SECONDS = 15 * 60


@dataclass(frozen=True)
class OAuthFlow:
    """One OAuth login in progress, as started by ``POST /auth/{loginProvider}``."""

    provider: str
    domain: str
    redirect_url: str
    session_key: str | None = None
    ref_list: list[str] = field(default_factory=list)
    rs: str | None = None
    is_at_least_18_confirmed: bool | None = None

    @property
    def old_session_key(self) -> uuid.UUID | None:
        return uuid.UUID(self.session_key) if self.session_key else None


def _fernet() -> Fernet:
    key = salted_hmac("aimg.accounts.oauth.flowstate", "fernet-key", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def flow_seal(flow: OAuthFlow) -> str:
    return _fernet().encrypt(json.dumps(asdict(flow), separators=(",", ":")).encode()).decode()


def flow_unseal(token) -> OAuthFlow | None:
    """The flow sealed in ``token``, or ``None`` when it is missing, forged or too old."""
    if not isinstance(token, str) or not token:
        return None
    try:
        data = json.loads(_fernet().decrypt(token.encode(), ttl=FLOW_MAX_AGE_SECONDS))
        return OAuthFlow(**data)
    except (InvalidToken, ValueError, TypeError):
        return None
