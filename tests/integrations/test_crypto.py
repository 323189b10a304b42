"""Secrets at rest: encrypted with the project's key, rotation, unreadable tokens."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from integrations.crypto import SecretUnreadable, secret_decrypt, secret_encrypt, secret_reencrypt


def test_a_secret_is_stored_encrypted_and_differently_each_time():
    first, second = secret_encrypt("sk-live-123"), secret_encrypt("sk-live-123")
    assert "sk-live-123" not in first and first != second
    assert secret_decrypt(first) == secret_decrypt(second) == "sk-live-123"


def test_keys_rotate_the_first_encrypts_every_one_decrypts(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.AIMG_ENCRYPTION_KEYS = [old_key]
    token = secret_encrypt("secret")
    settings.AIMG_ENCRYPTION_KEYS = [new_key, old_key]
    assert secret_decrypt(token) == "secret"
    moved = secret_reencrypt(token)
    settings.AIMG_ENCRYPTION_KEYS = [new_key]
    assert secret_decrypt(moved) == "secret"
    with pytest.raises(SecretUnreadable):
        secret_decrypt(token)


def test_a_tampered_or_foreign_token_is_unreadable():
    token = secret_encrypt("secret")
    with pytest.raises(SecretUnreadable):
        secret_decrypt(token[:-4] + "AAAA")
    with pytest.raises(SecretUnreadable):
        secret_decrypt(Fernet(Fernet.generate_key()).encrypt(b"secret").decode())


def test_without_a_configured_key_one_is_derived_from_secret_key(settings):
    settings.AIMG_ENCRYPTION_KEYS = []
    token = secret_encrypt("secret")
    settings.SECRET_KEY = "another-secret-key-of-enough-length-1234567890"
    with pytest.raises(SecretUnreadable):
        secret_decrypt(token)
