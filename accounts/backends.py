"""Authentication backend for the Django admin console: email + password within the request's domain."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from aimg_site.api import ratelimit
from aimg_site.api.clientip import client_address
from aimg_site.api.exceptions import RateLimited

from .models import User
from .signin.throttle import password_check_admit, sign_in_address_remember
from .users.abuse import ABUSE_LEVEL_BANNED


def _count_password_check(request, email: str, user: User | None) -> None:
    """Count a console sign-in attempt under the API's own rules (``sign-in-address`` and
    ``accounts.signin.throttle.password_check_admit``, shared with ``authenticateUser``: the password
    is the same).

    Past a limit the attempt is refused without checking the password; ``PermissionDenied`` makes
    ``django.contrib.auth.authenticate`` stop and report a failed login.
    """
    try:
        address = client_address(request) if request is not None else None
        if address:
            ratelimit.hit("sign-in-address", key=address)
        password_check_admit(email=email, client_address=address, user=user)
    except RateLimited:
        raise PermissionDenied("Too many sign-in attempts.") from None


class DomainEmailBackend(ModelBackend):
    """Like ModelBackend, but the email is looked up in the bound domain only
    (emails are unique per domain, not globally)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username or kwargs.get("email")
        if not email or not password:
            return None
        user = User.objects.filter(email__iexact=email.strip()).first()
        _count_password_check(request, email, user)
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            sign_in_address_remember(user=user, client_address=client_address(request) if request else None)
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
