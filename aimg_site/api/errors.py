"""The one registry of ``errorCode`` values.

An error envelope may carry ``errorCode``, a stable number a front end can
switch on where the HTTP status alone is ambiguous (three different 403s of an
email change, say). Every number answered anywhere is a member of
``ErrorCode``; ``ApiError`` refuses any other, so a raise site cannot invent
one. Each app owns a range of a hundred numbers; a member's name starts with
its app (``ACCOUNTS_``, ``LIBRARY_``…) and its value lies in that app's range
(``tests/platform/test_error_codes.py`` checks both, and that no value is
used twice). A number, once answered, keeps its meaning: retire a member by
leaving it in place with a comment, never reuse its value.

The accounts range is 1000-1099 because the accounts codes were the first
answered (1001-1004, 1010) and front ends may already switch on them; the
shared layer's own range follows it. The reference documents no numeric code,
so no value here is dictated by it. The table is copied in ``docs/decisions.md``.
"""

from __future__ import annotations

import enum

#: app -> the numbers it owns (``range``: first inclusive, last exclusive).
ERROR_CODE_RANGES: dict[str, range] = {
    "accounts": range(1000, 1100),
    "platform": range(1100, 1200),  # aimg_site/ (the shared layer, core); none yet
    "library": range(1200, 1300),
    "generation": range(1300, 1400),
    "billing": range(1400, 1500),
    "moderation": range(1500, 1600),  # reserved
    "integrations": range(1600, 1700),  # reserved (Civitai, Scenario)
    "technical": range(1700, 1800),  # reserved (the reference's "Technical" admin APIs)
}


@enum.unique
class ErrorCode(enum.IntEnum):
    """Every ``errorCode`` the API answers (HTTP status and meaning in each comment)."""

    # --- accounts (1000-1099) ---
    #: 403: the email cannot change, the account signs in with an OAuth provider.
    ACCOUNTS_EMAIL_CHANGE_EXTERNAL_LOGIN = 1001
    #: 403: the email cannot change while the account has a PRO tier.
    ACCOUNTS_EMAIL_CHANGE_PRO_TIER = 1002
    #: 403: the email cannot change while a merchant-processor subscription runs.
    ACCOUNTS_EMAIL_CHANGE_SUBSCRIPTION = 1003
    #: 403: the OTP for the new email is wrong or expired.
    ACCOUNTS_EMAIL_CHANGE_WRONG_OTP = 1004
    #: 403: changing the password or email needs a sign-in in the last minutes; sign in again.
    ACCOUNTS_RECENT_SIGN_IN_REQUIRED = 1005
    #: 409: the user already has the most KVP keys allowed (a new key is refused).
    ACCOUNTS_KVP_LIMIT = 1010

    # --- library (1200-1299) ---
    #: 409: the owner already has the most items waiting for approval (was 1001 before
    #: the registry, which also meant ACCOUNTS_EMAIL_CHANGE_EXTERNAL_LOGIN).
    LIBRARY_PENDING_APPROVAL_LIMIT = 1201

    # --- generation (1300-1399) ---
    #: 429: the user already has as many queued or running jobs with the model as their tier allows.
    GENERATION_CONCURRENCY_LIMIT = 1301
    #: 403: the model needs a higher PRO tier than the user's.
    GENERATION_TIER_TOO_LOW = 1302
    #: 401: the model needs a signed-up account (anonymous sessions and guests are refused).
    GENERATION_REGISTRATION_WALL = 1303

    # --- integrations (1600-1699) ---
    #: 400: the item's media is outside what Civitai accepts (type, size, duration or dimensions).
    INTEGRATIONS_CIVITAI_MEDIA_LIMIT = 1601
    #: 409: the item is not completed yet (its generation is queued or running, or failed).
    INTEGRATIONS_ITEM_NOT_COMPLETED = 1602
    #: 400: Scenario refused the API key and secret given to connectScenario.
    INTEGRATIONS_SCENARIO_CREDENTIALS_REFUSED = 1610
    #: 409: the user has no Scenario connection (connectScenario first).
    INTEGRATIONS_SCENARIO_NOT_CONNECTED = 1611
    #: 410: a signed Civitai link (media or details) has expired.
    INTEGRATIONS_LINK_EXPIRED = 1620

    # --- technical (1700-1799) ---
    #: 409: uploadFile was given an ``id`` another file already has.
    TECHNICAL_FILE_ID_TAKEN = 1701
    #: 500: the stored file no longer matches its checksum (damaged in storage); it is not served.
    TECHNICAL_FILE_CORRUPTED = 1702
    #: 400: PostgreSQL refused the pgQuery statement; the message is the database's.
    TECHNICAL_PGQUERY_DATABASE_ERROR = 1703
    # --- billing (1400-1499) ---
    #: 404: no gift card has this code (counted against the wrong-code limits).
    BILLING_GIFT_CARD_UNKNOWN = 1401
    #: 409: the gift card has already been redeemed.
    BILLING_GIFT_CARD_REDEEMED = 1402
    #: 409: the user's active tier is equal to or above the gift card's and does not expire.
    BILLING_GIFT_CARD_TIER_NOT_LOWER = 1403
    #: 409: a payment for this plan is already being processed (a concurrent identical request).
    BILLING_PAYMENT_IN_PROGRESS = 1410
    #: 409: the user already has an active subscription to this plan with this processor.
    BILLING_ALREADY_SUBSCRIBED = 1411

    @property
    def app(self) -> str:
        """The app whose range holds this value."""
        for app, numbers in ERROR_CODE_RANGES.items():
            if self.value in numbers:
                return app
        raise ValueError(f"errorCode {self.value} lies in no app's range")
