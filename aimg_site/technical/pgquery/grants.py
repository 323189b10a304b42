"""What pgQuery's PostgreSQL role may read: an explicit list of tables, by their ``db_table`` names.

Only the tables named here are readable, so a table added later (by any app) is unreadable until
someone adds it on purpose. Tables that hold secrets are left out entirely (``SECRET_TABLES``):
sessions, one-time passwords, admin keys, OAuth apps and tokens (and the provider's raw account
data), e-mail confirmation keys. Where a readable table has a secret column, the column is excluded
and the role gets column grants on the others (``SECRET_COLUMNS``: password hashes, gift-card code
hashes, the encrypted Boosty cookies, the encrypted Scenario key and secret, payer ids,
idempotency keys...): ``SELECT *`` on such a table is refused, naming the allowed columns works.

Names are strings, not models: this package imports no app (``tests/platform/test_layering.py``).
``manage.py pgquery_role`` applies the list; a listed table missing from the database is skipped.
"""

from __future__ import annotations

#: Columns that hold secrets (or identify someone elsewhere) in tables that are otherwise readable.
SECRET_COLUMNS: dict[str, frozenset[str]] = {
    "accounts_user": frozenset({"password"}),  # password hashes
    "library_itemview": frozenset({"session_digest"}),  # ties views to a session
    "generation_generationjob": frozenset({"lease_owner"}),  # a worker's claim token
    "technical_storedfile": frozenset({"storage_name"}),  # where the bytes are (no use to a query)
    "technical_filerendition": frozenset({"storage_name"}),
    "technical_legacyrendition": frozenset({"storage_name"}),
    # billing
    "billing_subscription": frozenset({"payer_id"}),  # the payer's account at the provider
    "billing_paymentattempt": frozenset({"idempotency_key"}),  # the client's replay key
    "billing_giftcard": frozenset({"code_digest"}),  # the keyed hash of a redeemable code
    "billing_boostyaccount": frozenset({"cookies_token"}),  # the encrypted Boosty session cookies
    # integrations
    "integrations_scenarioconnection": frozenset({"api_key_encrypted", "api_secret_encrypted"}),
}

#: db_table -> columns the role may not read (empty: every column).
READABLE_TABLES: dict[str, frozenset[str]] = {
    # platform
    "core_domain": frozenset(),
    "core_auditlogentry": frozenset(),
    # accounts (not: sessions, admin keys, OTPs)
    "accounts_user": SECRET_COLUMNS["accounts_user"],
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
    "library_itemview": SECRET_COLUMNS["library_itemview"],
    "library_librarycountentry": frozenset(),
    "library_publicfoldercountentry": frozenset(),
    "library_publictagusageentry": frozenset(),
    # generation
    "generation_generationmodel": frozenset(),
    "generation_sampleprompt": frozenset(),
    "generation_filteredword": frozenset(),
    "generation_generationjob": SECRET_COLUMNS["generation_generationjob"],
    "generation_generationjob_items": frozenset(),
    "generation_generationevent": frozenset(),
    "generation_workflowtemplate": frozenset(),
    "generation_filegroup": frozenset(),
    # billing (plans and prices; subscriptions, payments and gift cards without their secrets)
    "billing_billingplan": frozenset(),
    "billing_billingplanprice": frozenset(),
    "billing_subscription": SECRET_COLUMNS["billing_subscription"],
    "billing_paymentattempt": SECRET_COLUMNS["billing_paymentattempt"],  # card_last4 only, never a number
    "billing_giftcardbatch": frozenset(),
    "billing_giftcard": SECRET_COLUMNS["billing_giftcard"],  # redemptions: who, when, which batch
    "billing_boostyaccount": SECRET_COLUMNS["billing_boostyaccount"],  # which account, until when
    # integrations (Scenario sends and uploads; who connected, never the key or secret)
    "integrations_scenarioconnection": SECRET_COLUMNS["integrations_scenarioconnection"],
    "integrations_scenariosend": frozenset(),
    "integrations_scenarioupload": frozenset(),
    # moderation
    "moderation_reportqueue": frozenset(),
    "moderation_itemreport": frozenset(),
    # technical
    "technical_affiliatead": frozenset(),
    "technical_storedfile": SECRET_COLUMNS["technical_storedfile"],
    "technical_filerendition": SECRET_COLUMNS["technical_filerendition"],
    "technical_legacyrendition": SECRET_COLUMNS["technical_legacyrendition"],
}

#: Tables that must never be readable, checked by the tests against READABLE_TABLES.
SECRET_TABLES: frozenset[str] = frozenset(
    {
        "accounts_session",  # session key digests
        "accounts_adminkey",  # admin key digests
        "accounts_onetimepassword",  # OTP code digests
        "django_session",
        "socialaccount_socialapp",  # OAuth client secrets
        "socialaccount_socialtoken",  # OAuth tokens
        "socialaccount_socialaccount",  # the provider's raw account data (extra_data)
        "account_emailconfirmation",  # e-mail confirmation keys
    }
)
