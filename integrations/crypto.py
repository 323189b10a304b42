"""Secrets stored encrypted at rest (users' Scenario key and secret) with the project's key.

Fernet (``cryptography``: AES-128-CBC with HMAC-SHA256, random IV, authenticated) under
``AIMG_ENCRYPTION_KEY``: a comma-separated list whose first key encrypts and every key decrypts,
so a key is rotated by putting the new one first (``secret_reencrypt`` moves old tokens over).
Each entry is a Fernet key (44 url-safe base64 characters) or any passphrase, which is stretched
to one with SHA-256. Unset, one key is derived from ``SECRET_KEY`` (the development value in
development; a private value wherever ``SECRET_KEY`` is). The plaintext is never logged and
never leaves this module except to the caller that asked for it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def _fernet_key(entry: str) -> bytes:
    entry = entry.strip()
    try:
        raw = base64.urlsafe_b64decode(entry.encode())
        if len(raw) == 32 and len(entry) == 44:
            return entry.encode()
    except (binascii.Error, ValueError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(entry.encode()).digest())


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(_fernet_key(key)) for key in keys])
    derived = salted_hmac("aimg.integrations.crypto", "encryption-key", secret=secret_key, algorithm="sha256")
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived.digest()))])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.AIMG_ENCRYPTION_KEY), settings.SECRET_KEY)


def secret_encrypt(plaintext: str) -> str:
    """The token to store for ``plaintext`` (a new random IV each time)."""
    return _current().encrypt(plaintext.encode()).decode()


def secret_decrypt(token: str) -> str:
    """The plaintext of a stored token; ``SecretUnreadable`` when no key opens it."""
    try:
        return _current().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("The stored secret cannot be decrypted with the configured keys.") from exc


def secret_reencrypt(token: str) -> str:
    """``token`` encrypted again under the first key (after a rotation)."""
    try:
        return _current().rotate(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("The stored secret cannot be decrypted with the configured keys.") from exc
