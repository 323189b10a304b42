"""Factories of the accounts app: ``UserFactory``, and ``signed_in`` for a user's session."""

from __future__ import annotations

import uuid

import factory

from accounts.models import User
from accounts.sessions.services import session_rotate
from tests.support.personas import Persona


class UserFactory(factory.django.DjangoModelFactory):
    """A signed-up user in the bound domain, made by ``User.objects.create_user`` (``password=``
    sets one; none means unusable). No session: ``signed_in(user)`` gives one."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}-{uuid.uuid4().hex[:6]}@example.com")
    username = factory.Sequence(lambda n: f"person{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)


def signed_in(user: User) -> Persona:
    """A new session signing ``user`` in, as a Persona."""
    key, _guest = session_rotate(old_key=None, user=user)
    return Persona(session_id=str(key), user=user)
