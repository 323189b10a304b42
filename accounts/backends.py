"""Authentication backend for the Django admin console: email + password within the request's domain."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .abuse import ABUSE_LEVEL_BANNED
from .models import User


class DomainEmailBackend(ModelBackend):
    """Like ModelBackend, but the email is looked up in the bound domain only
    (emails are unique per domain, not globally)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username or kwargs.get("email")
        if not email or not password:
            return None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user) -> bool:
        """Active, not deleted and below abuse level 9.

        Django also calls this (through ``get_user``) on every console request,
        so a console session ends as soon as its user is deleted or banned.
        """
        return (
            super().user_can_authenticate(user)
            and not getattr(user, "is_disabled", False)
            and getattr(user, "abuse_level", 0) < ABUSE_LEVEL_BANNED
        )
