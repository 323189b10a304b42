"""Writes of platform tables."""

from __future__ import annotations

import uuid
from typing import Any

from aimg_site.api.clientip import client_address
from aimg_site.api.logging import current_request_id

from .models import AuditLogEntry


def audit_log_record(
    *,
    request=None,
    action: str,
    target: Any = None,
    target_type: str = "",
    target_id: str = "",
    details: dict | None = None,
    actor=None,
    admin_key=None,
) -> AuditLogEntry:
    """Write one audit-log row. Every admin endpoint and staff command calls this.

    ``target`` may be a model instance (its class name and pk are recorded) or
    left out in favour of ``target_type``/``target_id``. With ``request`` the
    admin key, its staff user, the client address and the request id are taken
    from it.
    """
    if target is not None:
        target_type = target_type or type(target).__name__
        target_id = target_id or str(target.pk)
    address = None
    if request is not None:
        identity = getattr(request, "auth", None)
        key = getattr(identity, "admin_key", None)
        admin_key = admin_key or key
        if actor is None and key is not None:
            actor = key.user
        address = client_address(request)
    return AuditLogEntry.objects.create(
        action=action,
        target_type=target_type[:50],
        target_id=str(target_id)[:100],
        details=_jsonable(details or {}),
        actor=actor,
        admin_key=admin_key,
        client_address=address,
        request_id=current_request_id() or "",
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
