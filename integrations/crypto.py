"""Users' Scenario key and secret, stored encrypted at rest with the project's keys.

The encryption itself is ``aimg_site.core.encryption`` (Fernet under ``AIMG_ENCRYPTION_KEY``, with
rotation), shared with billing's Boosty cookies; this module speaks text and turns a token no key
opens into ``SecretUnreadable``. The plaintext is never logged and never leaves this module except
to the caller that asked for it.
"""

from __future__ import annotations

from aimg_site.core.encryption import InvalidToken, decrypt, encrypt, reencrypt


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


_UNREADABLE = "The stored secret cannot be decrypted with the configured keys."


def secret_encrypt(plaintext: str) -> str:
    """The token to store for ``plaintext`` (a new random IV each time)."""
    return encrypt(plaintext.encode())


def secret_decrypt(token: str) -> str:
    """The plaintext of a stored token; ``SecretUnreadable`` when no key opens it."""
    try:
        return decrypt(token).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable(_UNREADABLE) from exc


def secret_reencrypt(token: str) -> str:
    """``token`` encrypted again under the first key (after a rotation)."""
    try:
        return reencrypt(token)
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable(_UNREADABLE) from exc
