"""Personas: someone calling the API (a session id, maybe a user, maybe an admin key)."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import User


@dataclass
class Persona:
    """Someone calling the API: their session id, their user (if any), their admin key (if any)."""

    session_id: str
    user: User | None = None
    admin_key: str | None = None
    headers: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.user.id) if self.user else ""
