"""Secrets stored encrypted at rest (Boosty cookies; Scenario credentials may use it too).

``cryptography``'s Fernet (AES-128-CBC with HMAC-SHA256, a timestamped token)
through ``MultiFernet`` for key rotation: ``AIMG_ENCRYPTION_KEY`` is a
comma-separated list of Fernet keys, the first encrypts, all of them decrypt;
``reencrypt`` moves a token to the first key. Without the variable (development,
tests) a key is derived from ``SECRET_KEY``; production sets its own.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt", "parse_keys", "reencrypt"]


def derived_key(secret: str) -> str:
    """A Fernet key derived from ``secret`` (the development default)."""
    digest = hashlib.sha256(b"aimg-encryption-key:" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def parse_keys(value: str) -> list[str]:
    """The keys of ``AIMG_ENCRYPTION_KEY``; a malformed one fails at start-up (ImproperlyConfigured)."""
    keys = [key.strip() for key in value.split(",") if key.strip()]
    for index, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"AIMG_ENCRYPTION_KEY: key {index + 1} is not a Fernet key (32 url-safe base64 bytes); "
                "make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from exc
    return keys


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    keys = tuple(settings.AIMG_ENCRYPTION_KEYS) or (derived_key(settings.SECRET_KEY),)
    return _fernet(keys)


def encrypt(data: bytes) -> str:
    """A Fernet token of ``data`` under the first key."""
    return _current().encrypt(data).decode()


def decrypt(token: str) -> bytes:
    """The data of ``token`` (any configured key); ``InvalidToken`` when none opens it."""
    return _current().decrypt(token.encode())


def reencrypt(token: str) -> str:
    """``token`` re-encrypted under the first key (key rotation), its timestamp kept."""
    return _current().rotate(token.encode()).decode()
