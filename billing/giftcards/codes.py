"""Gift-card codes: 20 symbols of Crockford's base32 (100 random bits from ``secrets``), shown as
``XXXXX-XXXXX-XXXXX-XXXXX`` and stored only as a keyed hash.

The alphabet leaves out I, L, O and U; on input, case, dashes and spaces are
ignored and the look-alikes O→0, I/L→1 are read as the digits they resemble.
The hash is an HMAC-SHA256 keyed by a key derived from ``SECRET_KEY`` and
bound to the domain, so a leaked table reveals no unredeemed code (guessing one
means searching 2^100 codes against a secret key).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20  # 20 x 5 bits = 100 random bits
GROUP = 5
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = str.maketrans("", "", "- \t\u00a0")


def code_generate() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def code_normalize(code: str) -> str | None:
    """The canonical form of ``code`` (upper case, no separators), or ``None`` when it cannot be one."""
    text = code.translate(_IGNORED).upper().translate(_LOOK_ALIKES)
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def _key() -> bytes:
    return hashlib.sha256(b"aimg-gift-card-codes:" + settings.SECRET_KEY.encode()).digest()


def code_digest(*, code: str, domain_id: int) -> str:
    """The stored keyed hash of a canonical ``code`` in one domain."""
    return hmac.new(_key(), f"{domain_id}:{code}".encode(), hashlib.sha256).hexdigest()
