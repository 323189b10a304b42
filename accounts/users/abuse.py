"""Abuse levels (``setUserAbuseLevel``): what each level forbids.

Levels are cumulative (each includes the limits of the ones below):

- 0: no limits;
- 1: item generation is blocked (images and videos, old and new workflows);
- 9: every session is ended and signing in is refused. Subscriptions are
  not cancelled.

Levels 2 to 8 are accepted and stored; today they limit as much as level 1.
"""

from __future__ import annotations

from aimg_site.api.exceptions import Forbidden

ABUSE_LEVEL_MIN = 0
ABUSE_LEVEL_MAX = 9
ABUSE_LEVEL_NO_GENERATION = 1
ABUSE_LEVEL_BANNED = 9


def abuse_assert_can_generate(*, user) -> None:
    """Raise ``Forbidden`` when ``user`` may not generate items (abuse level 1 or more).

    ``user`` may be ``None`` (an anonymous session): nothing to refuse then.
    """
    if user is not None and user.abuse_level >= ABUSE_LEVEL_NO_GENERATION:
        raise Forbidden("Generating items is disabled for this account.")


def abuse_assert_can_sign_in(*, user) -> None:
    """Raise ``Forbidden`` when ``user`` may not sign in: abuse level 9, or a disabled (deleted) account."""
    if user.is_disabled or not user.is_active:
        raise Forbidden("This account has been deleted or disabled.")
    if user.abuse_level >= ABUSE_LEVEL_BANNED:
        raise Forbidden("This account is not allowed to sign in.")
