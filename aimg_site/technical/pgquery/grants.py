"""What pgQuery's PostgreSQL role may read: an explicit list of tables, by their ``db_table`` names.

Only the tables named here are readable, so a table added later (by any app) is unreadable until
someone adds it on purpose. Tables that hold secrets are left out: sessions
(``accounts_session``, ``django_session``), one-time passwords (``accounts_onetimepassword``),
admin keys (``accounts_adminkey``), OAuth apps and tokens (``socialaccount_socialapp``,
``socialaccount_socialtoken``), e-mail confirmation keys (``account_emailconfirmation``) and
whatever billing and integrations store (gift-card hashes, encrypted cookies, OAuth tokens: none
of their tables is listed). Where a readable table has a secret column, the column is excluded
and the role gets column grants on the others (``accounts_user.password``: ``SELECT *`` on users
is refused, ``SELECT id, email`` works).

Names are strings, not models: this package imports no app (``tests/platform/test_layering.py``).
``manage.py pgquery_role`` applies the list; a listed table missing from the database is skipped.
"""

from __future__ import annotations

#: db_table -> columns the role may not read (empty: every column).
READABLE_TABLES: dict[str, frozenset[str]] = {
    # platform
    "core_domain": frozenset(),
    "core_auditlogentry": frozenset(),
    # accounts (not: sessions, admin keys, OTPs)
    "accounts_user": frozenset({"password"}),
    "accounts_archivedemail": frozenset(),
    "accounts_userloginprovider": frozenset(),
    "accounts_userkvp": frozenset(),
    "accounts_profilepicture": frozenset(),
    # library
    "library_folder": frozenset(),
    "library_item": frozenset(),
    "library_folderthumbnail": frozenset(),
    "library_tag": frozenset(),
    "library_itemtag": frozenset(),
    "library_foldertag": frozenset(),
    "library_itemreaction": frozenset(),
    "library_itemview": frozenset({"session_digest"}),
    "library_librarycountentry": frozenset(),
    # generation
    "generation_generationmodel": frozenset(),
    "generation_sampleprompt": frozenset(),
    "generation_filteredword": frozenset(),
    "generation_generationjob": frozenset({"lease_owner"}),
    "generation_generationevent": frozenset(),
    # technical
    "technical_affiliatead": frozenset(),
    "technical_storedfile": frozenset({"storage_name"}),
    "technical_filerendition": frozenset({"storage_name"}),
}

#: Tables that must never be readable, checked by the tests against READABLE_TABLES.
SECRET_TABLES: frozenset[str] = frozenset(
    {
        "accounts_session",
        "accounts_adminkey",
        "accounts_onetimepassword",
        "django_session",
        "socialaccount_socialapp",
        "socialaccount_socialtoken",
        "account_emailconfirmation",
    }
)
