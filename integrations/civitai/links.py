"""Signed, expiring links to an Item's media and Civitai details, usable without a session.

A token is Django's ``signing.dumps`` (HMAC-SHA256 under ``SECRET_KEY`` with this module's salt,
timestamped) of ``{"i": item id, "o": owner id, "d": domain, "k": kind}``: it cannot be forged or
altered without the key, so it is unguessable; ``signing.loads(max_age=...)`` refuses it once
``AIMG_CIVITAI_LINK_SECONDS`` have passed. A link is also dead when its item is deleted or
changes owner, and on another domain's host.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from aimg_site.api.exceptions import NotFound
from integrations.errors import Gone

SALT = "aimg.integrations.civitai.link"
MEDIA = "media"
DETAILS = "details"


@dataclass(frozen=True)
class LinkClaims:
    item_id: uuid.UUID
    owner_id: uuid.UUID
    domain: str
    kind: str


def link_lifetime() -> timedelta:
    return timedelta(seconds=settings.AIMG_CIVITAI_LINK_SECONDS)


def link_token(*, item, kind: str) -> str:
    payload = {"i": str(item.pk), "o": str(item.owner_id), "d": item.domain.name, "k": kind}
    return signing.dumps(payload, salt=SALT, compress=True)


def link_expires_at(*, issued_at: datetime | None = None) -> datetime:
    return (issued_at or timezone.now()) + link_lifetime()


def link_claims(*, token: str, kind: str) -> LinkClaims:
    """The claims of a valid ``kind`` token; 404 when tampered with or of another kind, 410 expired."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=link_lifetime())
    except signing.SignatureExpired as exc:
        raise Gone("This link has expired. Ask for a new Civitai post link.") from exc
    except signing.BadSignature as exc:
        raise NotFound("No such link.") from exc
    try:
        claims = LinkClaims(
            item_id=uuid.UUID(payload["i"]),
            owner_id=uuid.UUID(payload["o"]),
            domain=payload["d"],
            kind=payload["k"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise NotFound("No such link.") from exc
    if claims.kind != kind:
        raise NotFound("No such link.")
    return claims
